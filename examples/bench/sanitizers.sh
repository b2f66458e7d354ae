#!/bin/sh
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each in its own build directory, and
# prints a summary: tests run, failures, sanitizer reports. Heavy (two full builds): run it alone.
#   examples/bench/sanitizers.sh [TEST-FILTER]
set -u
cd "$(dirname "$0")/../.."
filter=${1:+--filter $1}
status=0
for s in address thread; do
    log=/tmp/ul-sanitize-$s.log
    start=$(date +%s)
    # shellcheck disable=SC2086
    LSAN_OPTIONS="suppressions=$PWD/examples/bench/lsan.supp:print_suppressions=0" \
        swift test --sanitize=$s --scratch-path /tmp/ul-sanitize-$s $filter > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    executed=$(grep -a 'Executed .* tests' "$log" | tail -1 | sed 's/^[[:space:]]*//')
    reports=$(grep -ac -E '^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread|UndefinedBehavior)Sanitizer)' "$log")
    printf '%-8s exit %-3s %5ss  %s; sanitizer reports: %s (log %s)\n' "$s" "$rc" "$secs" "${executed:-no summary}" "$reports" "$log"
    grep -a -E '^SUMMARY: ' "$log" | sort | uniq -c | head -10
    [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ] || status=1
done
exit $status
