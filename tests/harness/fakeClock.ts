/** A clock for code that waits (API readiness, the deployer preflight) without real waiting. */
import { Clock } from "../../components/gcp/apiReadiness";

/** A clock whose sleeps advance time at once; `slept` records each sleep, `t` the time now. */
export function fakeClock(): Clock & { slept: number[]; t: number } {
  const c = {
    t: 0,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return c;
}
