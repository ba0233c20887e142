// What keying needs the core's parser for (an optional peer a production
// install leaves out): a module binding's class instance is keyed without it.
import { expect, test, vi } from "vitest";

/** The key module fresh, its source parser not loaded. */
async function freshKeying(): Promise<typeof import("../src/key/index.js")> {
  vi.resetModules();
  return import("../src/key/index.js");
}

test("a class instance in a module binding's data is keyed without the parser; as an argument it needs the parser (what its methods read)", async () => {
  const { canonicalEncoding, NeedsParser } = await freshKeying();
  class Client {
    constructor(readonly url: string) {}
    get(path: string) {
      return `${this.url}/${path}`;
    }
  }
  const a = canonicalEncoding(new Client("http://a"), "client", "module");
  expect(a).not.toBe(canonicalEncoding(new Client("http://b"), "client", "module"));
  expect(() => canonicalEncoding(new Client("http://a"), "args[0]")).toThrow(NeedsParser);
});
