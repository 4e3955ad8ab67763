#!/usr/bin/env bash
# cluster/local/host-traffic.sh: runs a command and prints what every host of
# the multi-host test cluster in DIR sent to and received from the network
# meanwhile: the byte and packet counters of each host's veth link (the
# machine's end: what it receives the host sent), and the command's wall
# time. Traffic between ranks of one host (shared memory) is not on a link.
# Usage: cluster/local/host-traffic.sh DIR CMD...
set -euo pipefail
dir=${1:?usage: host-traffic.sh DIR CMD...}
shift
tag=$(sed -n 's/^link pt\(.....\)br$/\1/p' "$dir/made")
[ -n "$tag" ] || { echo "host-traffic.sh: no cluster in $dir" >&2; exit 1; }
links=$(sed -n "s/^link \(pt${tag}h[0-9]*\)$/\1/p" "$dir/made")
counters() {  # link: tx_bytes rx_bytes tx_packets rx_packets of the machine's end
  local s=/sys/class/net/$1/statistics
  echo "$(cat "$s/tx_bytes") $(cat "$s/rx_bytes") $(cat "$s/tx_packets") $(cat "$s/rx_packets")"
}
declare -A before
for l in $links; do before[$l]=$(counters "$l"); done
start=$(date +%s.%N)
status=0
"$@" || status=$?
end=$(date +%s.%N)
total_sent=0
printf 'host  sent_bytes  received_bytes  sent_packets  received_packets\n'
for l in $links; do
  read -r tx0 rx0 txp0 rxp0 <<<"${before[$l]}"
  read -r tx1 rx1 txp1 rxp1 <<<"$(counters "$l")"
  # The machine's end receives what the host sends, and the reverse.
  printf '%-4s  %10d  %14d  %12d  %16d\n' "h${l##*h}" $((rx1 - rx0)) $((tx1 - tx0)) $((rxp1 - rxp0)) $((txp1 - txp0))
  total_sent=$((total_sent + rx1 - rx0))
done
printf 'all hosts sent %d bytes; wall time %.2f s; exit %d\n' "$total_sent" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$status"
exit "$status"
