import { describe, expect, test } from "vitest";
import { esbuildTarget, viteTarget } from "../src/platform.js";

describe("where the built code runs", () => {
  test("Vite: the environment's consumer decides; without one, the ssr flag of the hook", () => {
    expect(viteTarget({ environment: { config: { consumer: "client" } } }, { ssr: true })).toBe("browser");
    expect(viteTarget({ environment: { config: { consumer: "server" } } }, undefined)).toBe("node");
    expect(viteTarget({}, { ssr: true })).toBe("node");
    expect(viteTarget({}, undefined)).toBe("browser");
  });

  test("esbuild: its default platform is the browser; node and neutral output run on Node", () => {
    expect(esbuildTarget(undefined)).toBe("browser");
    expect(esbuildTarget("browser")).toBe("browser");
    expect(esbuildTarget("node")).toBe("node");
    expect(esbuildTarget("neutral")).toBe("node");
  });
});
