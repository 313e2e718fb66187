#!/usr/bin/env bash
# Smoke test of the packaged app folder (run after `make package`, or by `make package-check`):
# the binary starts, knows its version, writes its sample library and scans it headless into a throw-away data
# folder, and opens its main window offscreen for a moment.
set -euo pipefail
APP="${1:-dist/shoebox/shoebox}"
[ -x "$APP" ] || { echo "smoke: $APP not found; run 'make package' first" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export SHOEBOX_HOME="$WORK/home" QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1

"$APP" --version
# the sample library the app carries (resources/sample: the bundle must include it)
"$APP" sample "$WORK/photos"
printf '\xff\xd8\xff\xe0broken' > "$WORK/photos/broken.jpg"
"$APP" add "$WORK/photos"
"$APP" scan
"$APP" status --json > "$WORK/status.json"
python3 - "$WORK/status.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
photos = status["files"]["photo"] if isinstance(status.get("files"), dict) else None
print("status:", json.dumps(status)[:300])
assert photos, "the packaged scan found no photos"
PY
# the window: start it offscreen and make sure it stays up (it quits by itself on SHOEBOX_SMOKE_QUIT_MS)
SHOEBOX_SMOKE_QUIT_MS=1500 timeout 60 "$APP"
echo "smoke: OK"
