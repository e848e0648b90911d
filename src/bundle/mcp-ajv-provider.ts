/**
 * The MCP SDK's default JSON Schema validator as the Worker bundle sees it (wrangler.toml [alias]: the SDK
 * server's import of `../validation/ajv-provider.js`, which would bring ajv, ajv-formats and fast-uri, ≈40 KiB
 * gzipped). Ajv compiles validators with `new Function`, which Workers forbid, and the server validates nothing with
 * it anyway (only answers to elicitations, which it never requests): /mcp gives every server a validator that refuses
 * (src/resources/mcp/mcp.server.ts) and the default is never constructed; constructing it anyway fails loudly
 * instead of failing on Workers' eval rule later.
 */
export class AjvJsonSchemaValidator {
  constructor() {
    throw new Error(
      'The MCP SDK’s ajv validator is not part of the Worker bundle (src/bundle/mcp-ajv-provider.ts): ' +
        'pass a jsonSchemaValidator (src/resources/mcp/mcp.server.ts)',
    )
  }
}
