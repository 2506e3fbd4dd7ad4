import net from "node:net";
import { describe, expect, it } from "vitest";
import { TurnQueue } from "../../src/http/turns.ts";

/** Busy-waits `ms` milliseconds (an answer's synchronous CPU work). */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
};

describe("turn queue", () => {
  it("GIVEN several callers WHEN they wait THEN each runs in its own event-loop turn, in arrival order", async () => {
    const turns = new TurnQueue();
    // One tick per event-loop turn: an immediate that re-arms itself runs once in each check phase.
    let tick = 0;
    let ticking = true;
    const ticker = () => {
      tick++;
      if (ticking) setImmediate(ticker);
    };
    setImmediate(ticker);
    const seen: { who: number; tick: number }[] = [];
    expect(turns.length).toBe(0);
    const waits = [0, 1, 2, 3, 4].map((who) => turns.next().then(() => seen.push({ who, tick })));
    expect(turns.length).toBe(5);
    await Promise.all(waits);
    ticking = false;
    expect(seen.map((s) => s.who)).toEqual([0, 1, 2, 3, 4]);
    const ticks = seen.map((s) => s.tick);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]!);
    expect(turns.length).toBe(0);
  });

  it("GIVEN a backlog of CPU-heavy work WHEN a connection arrives THEN it is accepted between two pieces, not after all of them", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const turns = new TurnQueue();
    const order: string[] = [];
    server.on("connection", (socket) => {
      order.push("connection");
      socket.destroy();
    });
    // Twenty 5 ms pieces queued first; then a client connects (the kernel completes it at once).
    const pieces = Array.from({ length: 20 }, (_, i) =>
      turns.next().then(() => {
        busy(5);
        order.push(`piece ${i}`);
      }),
    );
    const client = net.connect(port, "127.0.0.1");
    client.on("error", () => {});
    await Promise.all(pieces);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const at = order.indexOf("connection");
    expect(at).toBeGreaterThanOrEqual(0);
    // Without the queue all twenty pieces (100 ms) run in one turn and the connection comes last.
    expect(at).toBeLessThan(5);
  });

  it("GIVEN thousands of callers WHEN they all run THEN none is lost and the queue empties", async () => {
    const turns = new TurnQueue();
    let done = 0;
    await Promise.all(
      Array.from({ length: 3000 }, () =>
        turns.next().then(() => {
          done++;
        }),
      ),
    );
    expect(done).toBe(3000);
    expect(turns.length).toBe(0);
  });
});
