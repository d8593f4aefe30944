"""The local stand-in for the Pulumi CLI and engine, against LocalStack. Dependencies go one way:

- entry points: `deploy` (make up/down/preview), `preview`, `demo`;
- the engine: `engine` (plan and apply), `program` (runs the program), `state` (the crash-safe record),
  `placeholders` (a preview's values), `localstack` (endpoint and sessions);
- `provisioners/`: one module per AWS service, one registry; `localstack_fixups` holds what only
  LocalStack needs;
- `harness/`: the load generator, kill proxy and inventory of the tests and benchmarks.
"""
