# scripts/bench/month.sh: sourced by the benchmark scripts. bench_month N
# generates the benchmark month of N customers once (data/bench-N, reused
# when complete); bench_job N JOB writes jobs/telecom-monthly.yaml pointed at
# it, with output under out/bench and overwrite on. Needs $portrait, run
# from the checkout's root.
bench_month() {
  local customers=$1 data=data/bench-$1
  if [ ! -f "$data/.complete" ]; then
    echo "bench: generating $customers customers for 2026-10 in $data"
    rm -rf "$data"
    local start=$SECONDS
    OMP_NUM_THREADS=1 scripts/mpirun.sh -np 2 "$portrait" gen --customers "$customers" --period 2026-10 \
      --seed 9 --out "$data"
    echo "bench: generated in $((SECONDS - start)) s"
    touch "$data/.complete"
  fi
}

bench_job() {
  local data=data/bench-$1 job=$2
  mkdir -p "$(dirname "$job")"
  sed -e "s|data/demo/shards/\*.h5|$data/shards/*.h5|" -e "s|data/demo/reference.h5|$data/reference.h5|" \
      -e "s|^output: .*|output: out/bench/run|" -e "s|^memory_budget_mb: .*|memory_budget_mb: 8192|" \
      jobs/telecom-monthly.yaml > "$job"
  echo "overwrite: true" >> "$job"
}
