#!/usr/bin/env bash
# After a deploy: /healthz and one real prediction through the API Gateway, as the page's proxy
# calls it (API key + bearer token). Retries while a new gateway config or revision settles.
#   smoke-test.sh <gateway-url> <sample.csv>   (API_KEY and API_TOKEN in the environment)
set -euo pipefail
url="$1"
sample="$2"
out=$(mktemp)
attempts="${SMOKE_ATTEMPTS:-20}"
delay="${SMOKE_DELAY_SECONDS:-15}"
for attempt in $(seq 1 "$attempts"); do
  if curl -fsS "$url/healthz" >/dev/null \
    && code=$(curl -sS -o "$out" -w '%{http_code}' -H "x-api-key: $API_KEY" -H "Authorization: Bearer $API_TOKEN" -F "file=@$sample" "$url/v1/predict") \
    && [ "$code" = 200 ] && head -1 "$out" | grep -q ',prediction,'; then
    echo "smoke test passed on attempt $attempt: $(($(wc -l < "$out") - 1)) rows predicted"
    exit 0
  fi
  echo "attempt $attempt: not yet (status ${code:-none}); retrying in $delay s"
  [ "$attempt" = "$attempts" ] || sleep "$delay"
done
echo "smoke test failed: $(head -c 500 "$out")" >&2
exit 1
