import { assertEquals } from "../../tests/assert.ts";
import { TableResolver } from "../../tests/fake/resolver.ts";
import { FakeTransport } from "../../tests/fake/transport.ts";
import { parseAllowRule } from "./allow.ts";
import { ProbeEndpoint } from "./probe.ts";

function endpoint(maxConcurrent = 2) {
  const fake = new FakeTransport({
    family: 4,
    source: "198.18.0.2",
    target: "198.18.9.9",
    hops: [{ address: "198.18.1.1", rtt: 1 }, { address: "198.18.9.9", rtt: 2 }],
  });
  const resolver = new TableResolver({ "dst.lab": ["198.18.9.9"], "far.lab": ["198.18.1.1"] });
  const probe = new ProbeEndpoint(
    { allow: ["198.18.9.0/24"].map(parseAllowRule), maxConcurrent },
    resolver,
    { transport: fake, resolveNames: false },
    "0.0.0-test",
  );
  return { fake, probe };
}

const ask = (probe: ProbeEndpoint, query: string) =>
  probe.answer(new URLSearchParams(query), new AbortController().signal);

Deno.test("/probe: an allowed target is watched for its cycles and answered as figures", async () => {
  const { probe } = endpoint();
  const answer = await ask(probe, "target=dst.lab&cycles=3");
  if (!("figures" in answer)) throw new Error(`not figures: ${JSON.stringify(answer)}`);
  const [target] = answer.figures.targets;
  assertEquals([target?.target, target?.address, target?.cycles], ["dst.lab", "198.18.9.9", 3]);
  assertEquals(target?.pathHops, 2);
  assertEquals(target?.hops.map((h) => [h.ttl, h.sent, h.received]), [[1, 3, 3], [2, 3, 3]]);
});

Deno.test("/probe: what the configuration does not allow is refused before anything is sent", async () => {
  const { fake, probe } = endpoint();
  assertEquals(await ask(probe, "target=198.18.1.1"), {
    status: 403,
    message: "target 198.18.1.1 is not allowed",
  });
  // A name that resolves outside the allowed prefixes is refused too.
  assertEquals(await ask(probe, "target=far.lab"), {
    status: 403,
    message: "target far.lab is not allowed",
  });
  assertEquals((await ask(probe, "target=nowhere.lab")).status, 400);
  for (
    const bad of [
      "",
      "target=",
      "target=a b",
      "target=dst.lab&cycles=51",
      "target=dst.lab&cycles=1.5",
      "target=dst.lab&method=ftp",
      "target=dst.lab&x=1",
    ]
  ) {
    assertEquals((await ask(probe, bad)).status, 400, bad);
  }
  assertEquals(fake.sent.length, 0);
});

Deno.test("/probe: beyond the probes allowed at once, 429", async () => {
  const { probe } = endpoint(1);
  const [first, second] = await Promise.all([
    ask(probe, "target=198.18.9.9&cycles=2"),
    ask(probe, "target=198.18.9.9&cycles=2"),
  ]);
  assertEquals([first.status, second.status], [200, 429]);
  // Once the first is done, the next one runs.
  assertEquals((await ask(probe, "target=198.18.9.9&cycles=1")).status, 200);
});

Deno.test("/probe: a scrape timeout that is not a number is refused; a resolver that never answers is 504", async () => {
  const { probe } = endpoint();
  for (const header of ["soon", "-1", "0", ""]) {
    const answer = await probe.answer(
      new URLSearchParams("target=dst.lab"),
      new AbortController().signal,
      header,
    );
    assertEquals("status" in answer && answer.status, 400, header);
  }
  const silent = new ProbeEndpoint(
    { allow: ["198.18.9.0/24"].map(parseAllowRule), maxConcurrent: 1 },
    { lookupHost: () => new Promise(() => {}), reverse: () => Promise.resolve(null) },
    { resolveNames: false },
    "0.0.0-test",
  );
  const answer = await silent.answer(
    new URLSearchParams("target=dst.lab"),
    new AbortController().signal,
    "1",
  );
  assertEquals(answer, { status: 504, message: "target dst.lab did not resolve in time" });
});
