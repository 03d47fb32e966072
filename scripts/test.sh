#!/usr/bin/env bash
# Runs every uvu test file under test/ and closes with "N passed, N failed".
# uvu prints Total/Passed/Skipped but no such line; a file that crashes while loading
# prints no totals at all, so uvu's exit code has the last word.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The browser test drives Debian's chromium (playwright-core never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing chromium for the browser test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here (needs root and apt-get): the browser test will fail" >&2
  fi
fi

# The speaking test makes its microphone's WAV with espeak-ng (speech) and sox (48 kHz, silence).
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v sox >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing espeak-ng and sox for the speaking test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null
  else
    echo "espeak-ng or sox is missing and cannot be installed here (needs root and apt-get): the speaking test will fail" >&2
  fi
fi

pattern="${1:-\\.test\\.ts$}"
out="$(mktemp)"
# A bound on the whole run: a hung test fails the run instead of hanging CI.
timeout --signal=TERM --kill-after=10 "${TEST_TIMEOUT_SECONDS:-600}" \
  node --import tsx node_modules/uvu/bin.js test "$pattern" --no-color 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

total=$(awk '/^  Total:/ { print $2 }' "$out" | tail -n 1)
passed=$(awk '/^  Passed:/ { print $2 }' "$out" | tail -n 1)
skipped=$(awk '/^  Skipped:/ { print $2 }' "$out" | tail -n 1)
rm -f "$out"
total=${total:-0}
passed=${passed:-0}
failed=$((total - passed))
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # Crashed before uvu could count (a load error, a timeout): count the run as one failure.
  failed=1
fi
echo "${passed} passed, ${failed} failed${skipped:+, ${skipped} skipped}"
exit "$rc"
