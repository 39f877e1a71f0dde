#!/bin/sh
# Makes the media bridge's spoken fallback clip: speech from eSpeak NG, converted by SoX to what Twilio plays on a
# media stream (raw 8 kHz mono μ-law, no header). Needs `apt-get install espeak-ng sox` (Debian).
#
#   docs/tools/fallback-clip.sh [text] [output]
#
# The bundled clip (media-bridge-service/src/main/resources/audio/fallback-speech.ulaw) was made with the defaults;
# the callback clip (audio/callback-speech.ulaw) with the text "No one can take your call right now, so a colleague
# will call you back soon. Thank you, and goodbye."
# A tenant's own clip: run with its text and output under the same resources folder (or any classpath path) and
# name it in voice.bridge.resilience.tenant-fallback-prompts.<tenant-id>.
set -eu
TEXT=${1:-"Sorry, I'm having trouble right now. Let me get someone to help you. Please stay on the line."}
OUT=${2:-media-bridge-service/src/main/resources/audio/fallback-speech.ulaw}
WAV=$(mktemp --suffix=.wav)
trap 'rm -f "$WAV"' EXIT
# en-us voice, a little slower than the default 175 words a minute, for a phone line
espeak-ng -v en-us -s 150 -w "$WAV" "$TEXT"
# resample to 8 kHz, normalise to -3 dBFS, then μ-law; a 300 ms pad so the start is not clipped
sox "$WAV" -r 8000 -c 1 -e mu-law -t raw "$OUT" gain -n -3 pad 0.3 0.2
echo "$OUT: $(wc -c < "$OUT") bytes, $(( $(wc -c < "$OUT") / 8 )) ms"
