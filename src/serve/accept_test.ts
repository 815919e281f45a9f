import { assertOk } from "../../tests/assert.ts";
import { wantsOpenMetrics } from "./accept.ts";

Deno.test("wantsOpenMetrics negotiates as Prometheus's client does", () => {
  // What Prometheus 2.42 sends by default.
  assertOk(
    wantsOpenMetrics(
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ),
  );
  // What it sends with OpenMetrics turned off for the job.
  assertOk(!wantsOpenMetrics("text/plain;version=0.0.4;q=1,*/*;q=0.1"));
  assertOk(!wantsOpenMetrics("text/plain"));
  assertOk(!wantsOpenMetrics(null));
  assertOk(!wantsOpenMetrics(""));
  assertOk(!wantsOpenMetrics("*/*"));
  assertOk(wantsOpenMetrics("application/openmetrics-text"));
  assertOk(wantsOpenMetrics('Application/OpenMetrics-Text; version="1.0.0"'));
  // Quality decides, not order; q=0 refuses; an unknown version is not served.
  assertOk(!wantsOpenMetrics("application/openmetrics-text;q=0.3, text/plain;q=0.9"));
  assertOk(wantsOpenMetrics("text/plain;q=0.2, application/openmetrics-text;version=1.0.0"));
  assertOk(!wantsOpenMetrics("application/openmetrics-text;q=0, text/plain;q=0.1"));
  assertOk(!wantsOpenMetrics("application/openmetrics-text;version=2.0.0,*/*;q=0.1"));
});
