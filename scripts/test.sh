#!/usr/bin/env bash
# Runs every uvu test file under test/ and closes with "N passed, N failed".
# What the tests need is installed on the host first; the tests then run inside a network
# namespace of their own (scripts/in-netns.sh: loopback and a veth pair), so that no media
# leaves the machine, or on the host, saying so, where no namespace can be made.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The browser tests drive Debian's Chromium headless shell (playwright-core never downloads a
# browser): the same Chromium without the browser's windows, which cost a page 1.5 CPU-seconds.
if [ ! -x /usr/bin/chromium-headless-shell ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing chromium-headless-shell for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
  else
    echo "chromium-headless-shell is missing and cannot be installed here (needs root and apt-get): the browser tests will fail" >&2
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

# The SFU tests drive Debian's janus (the local coordinator starts it; it is never bundled).
if ! command -v janus >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing janus for the SFU tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus >/dev/null
  else
    echo "janus is missing and cannot be installed here (needs root and apt-get): the SFU tests will fail" >&2
  fi
fi

# Recordings of SFU calls: janus-pp-rec (Debian's janus-tools) turns Janus's .mjr files into WebM
# and Opus, ffmpeg composes them into one file (ffprobe, in the same package, checks it).
if ! command -v janus-pp-rec >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing janus-tools and ffmpeg for the recording tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus-tools ffmpeg >/dev/null
  else
    echo "janus-pp-rec or ffmpeg is missing and cannot be installed here (needs root and apt-get): the recording tests will fail" >&2
  fi
fi

# The runner (scripts/run-tests.ts) runs the files in parallel processes, bounds the run
# (TEST_TIMEOUT_SECONDS, default 600) and prints the closing line. The outer timeout only
# catches a runner that hangs itself.
bound="${TEST_TIMEOUT_SECONDS:-600}"
timeout --signal=TERM --kill-after=10 "$((bound + 30))" \
  bash scripts/in-netns.sh node --import tsx scripts/run-tests.ts "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "0 passed, 1 failed"
fi
exit "$rc"
