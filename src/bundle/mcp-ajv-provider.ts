/**
 * The MCP SDK's default JSON Schema validator as the Worker bundle sees it (wrangler.toml [alias]: the SDK
 * server's import of `../validation/ajv-provider.js`, which would bring ajv, ajv-formats and fast-uri, ≈40 KiB
 * gzipped). Ajv compiles validators with `new Function`, which Workers forbid, so /mcp gives every server the SDK's
 * eval-free CfWorkerJsonSchemaValidator (src/resources/mcp/mcp.index.ts) and the default is never constructed;
 * constructing it anyway fails loudly instead of failing on Workers' eval rule later.
 */
export class AjvJsonSchemaValidator {
  constructor() {
    throw new Error(
      'The MCP SDK’s ajv validator is not part of the Worker bundle (src/bundle/mcp-ajv-provider.ts): ' +
        'pass jsonSchemaValidator: new CfWorkerJsonSchemaValidator()',
    )
  }
}
