import { startHarness } from './harness';

/** Starts etcd and etcd-deck for the suite; Playwright calls the returned function at the end. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  return startHarness();
}
