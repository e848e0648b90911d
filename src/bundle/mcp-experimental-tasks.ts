/**
 * The MCP SDK server's experimental task API as the Worker bundle sees it (wrangler.toml [alias]: the SDK server's
 * import of `../experimental/tasks/server.js`). The server builds it only when code reads `server.experimental`
 * (streaming task-augmented requests to the client), which /mcp never does: it answers stateless, JSON-only
 * requests and sends the client nothing of its own. Constructing it anyway fails loudly.
 */
export class ExperimentalServerTasks {
  constructor() {
    throw new Error(
      'The MCP SDK’s experimental task API is not part of the Worker bundle (src/bundle/mcp-experimental-tasks.ts)',
    )
  }
}
