#!/usr/bin/env bash
# Writes bench/results/REPORT.md and its PNG charts from one harness run.
#
#   bench/report.sh [RUN_DIR]
#
# RUN_DIR defaults to the newest full run under bench/results/raw/ (the
# newest quick run if there is no full one).  The tables and chart data come
# from harness/report.py; this script only draws the charts with gnuplot
# (pngcairo) and copies the run's summary.tsv and meta.json next to the
# report, so the repository keeps the numbers behind the pictures while the
# bulky raw data stay git-ignored.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
results_dir=$bench_dir/results
run_dir=${1:-}
if [ -z "$run_dir" ]; then
  run_dir=$(ls -d "$results_dir"/raw/*/ 2>/dev/null | grep -v -- '-quick/$' | tail -n 1 || true)
  [ -n "$run_dir" ] || run_dir=$(ls -d "$results_dir"/raw/*/ 2>/dev/null | tail -n 1 || true)
fi
if [ -z "$run_dir" ] || [ ! -f "$run_dir/summary.tsv" ]; then
  echo "report.sh: no run with a summary.tsv (run bench/bench.py first)" >&2
  exit 1
fi
run_dir=$(cd "$run_dir" && pwd)
command -v gnuplot >/dev/null || { echo "report.sh: gnuplot is not installed" >&2; exit 1; }

mkdir -p "$results_dir"
data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT
(cd "$bench_dir" && python3 -m harness.report "$run_dir" "$results_dir" "$data_dir")
cp "$run_dir/summary.tsv" "$run_dir/meta.json" "$results_dir/"
rm -f "$results_dir"/*.png

style='set terminal pngcairo size 1000,560 font "DejaVu Sans,10" noenhanced
set grid ytics lc rgb "#dddddd"
set key top left
set style fill solid 0.85 border -1'

# Clustered bars from a .dat file whose first row names the columns.
bars() { # file png title ylabel [extra gnuplot]
  local file=$1 png=$2 title=$3 ylabel=$4 extra=${5:-}
  local columns
  columns=$(awk 'NR == 1 { print NF; exit }' "$file")
  # Nothing to draw when the scenario was not run.
  [ "$columns" -ge 2 ] || return 0
  awk -v n="$columns" 'NR > 1 { for (i = NF - n + 2; i <= NF; i++) if ($i != "NaN") found = 1 }
                       END { exit !found }' "$file" || return 0
  gnuplot <<GP
$style
set output "$results_dir/$png"
set title "$title"
set ylabel "$ylabel"
set style data histograms
set style histogram clustered gap 1
set xtics rotate by -20
set yrange [0:*]
$extra
plot for [i=2:$columns] "$file" using i:xtic(1) title columnheader(i)
GP
}

bars "$data_dir/bytes_per_key.dat" bytes_per_key.png \
  "used_memory per key (lower is better; zkv-<backend> columns: scenario 5)" "bytes per key"
bars "$data_dir/throughput.dat" throughput.png \
  "SET/GET requests per second by pipeline depth (higher is better)" "requests/s" \
  'set format y "%.0s%c"'
bars "$data_dir/cpu.dat" cpu.png \
  "server CPU time per request, utime+stime / requests (lower is better)" "microseconds"

frag_plot=""
frag_marks=""
frag_marks_owner=""
ping_files=()
while read -r kind server path start end phases; do
  case $kind in
    frag) # Phase marks: those of the first server other than redis, the one under test.
          if [ -z "$frag_marks_owner" ] || { [ "$frag_marks_owner" = redis ] && [ "$server" != redis ]; }; then
            frag_marks=""
            frag_marks_owner=$server
            for mark in $phases; do
              frag_marks+="set arrow from ${mark%%:*}, graph 0 to ${mark%%:*}, graph 1 nohead dt 3 lc rgb \"#888888\"
set label \"${mark#*:}\" at ${mark%%:*}, graph 0.97 offset 0.3,0 font \",9\"
"
            done
          fi
          frag_plot+="\"$path\" using 1:(\$2/1e6) with lines lw 2 title \"$server RSS\", "
          frag_plot+="\"$path\" using 1:(\$3/1e6) with lines lw 2 dt 2 title \"$server used_memory\", " ;;
    ping) ping_files+=("$server|$path|$start|$end") ;;
  esac
done < "$data_dir/series.txt"

if [ -n "$frag_plot" ]; then
  gnuplot <<GP
$style
set output "$results_dir/fragmentation.png"
set title "Fragmentation scenario, round 0: load, delete 50% + overwrite 25%, defrag, MEMORY PURGE (phases of $frag_marks_owner)"
set xlabel "seconds since the server started"
set ylabel "MB"
set yrange [0:*]
set key bottom right
$frag_marks
plot ${frag_plot%, }
GP
fi

if [ ${#ping_files[@]} -gt 0 ]; then
  # One y range for all panels, so the servers compare at a glance.
  ping_max_ms=$(for entry in "${ping_files[@]}"; do IFS='|' read -r _ path _ <<< "$entry"; cat "$path"; done |
                awk 'BEGIN { m = 1 } $2 / 1000 > m { m = $2 / 1000 } END { print m * 2 }')
  panels=""
  for entry in "${ping_files[@]}"; do
    IFS='|' read -r server path start end <<< "$entry"
    panels+="set title \"$server: PING round trip while loading (writer from ${start} ms to ${end} ms)\"
unset arrow
set arrow from $start/1000.0, graph 0 to $start/1000.0, graph 1 nohead dt 2 lc rgb \"#888888\"
set arrow from $end/1000.0, graph 0 to $end/1000.0, graph 1 nohead dt 2 lc rgb \"#888888\"
plot \"$path\" using (\$1/1000):(\$2/1000) with points pt 7 ps 0.3 title \"$server\"
"
  done
  gnuplot <<GP
set terminal pngcairo size 1000,$((300 * ${#ping_files[@]})) font "DejaVu Sans,10" noenhanced
set output "$results_dir/ping_timeline.png"
set grid ytics lc rgb "#dddddd"
set multiplot layout ${#ping_files[@]},1
set xlabel "seconds since the pinger started"
set ylabel "ms (log scale)"
set logscale y
set yrange [0.005:$ping_max_ms]
set key top right
$panels
unset multiplot
GP
fi

echo "report.sh: wrote $results_dir/REPORT.md from $run_dir"
