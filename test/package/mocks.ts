// Loaded first by consumer.ts: every resource registered after this goes to the mocks, and the
// registered `type name` pairs are printed as JSON when the program is done.
import * as pulumi from "@pulumi/pulumi";

const registered: string[] = [];
pulumi.runtime.setMocks({
  newResource(args) {
    registered.push(`${args.type} ${args.name}`);
    if (args.type === "pulumi:pulumi:StackReference") {
      // A platform stack's outputs, as the contract describes them.
      return { id: args.inputs.name, state: { ...args.inputs, outputs: { environment: "dev", systems: { scaidrive: { url: "https://drive.example.org", secretName: "scaidrive-env" } } } } };
    }
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: args => args.inputs,
}, "consumer", "dev", false);

process.on("beforeExit", () => {
  if (registered.length > 0) console.log(JSON.stringify({ registered: registered.splice(0) }));
});
