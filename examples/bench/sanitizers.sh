#!/bin/sh
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each in its own build directory, and
# prints a summary: tests run, failures, sanitizer reports. Heavy (two full builds): run it alone.
#   examples/bench/sanitizers.sh [TEST-FILTER]      (SANITIZERS="address" or "thread" runs one)
set -u
cd "$(dirname "$0")/../.."
filter=${1:+--filter $1}
status=0
for s in ${SANITIZERS:-address thread}; do
    log=/tmp/ul-sanitize-$s.log
    # Reports of the tools the tests run as processes go to files here (their stderr is the tests' to check).
    reportdir=/tmp/ul-sanitize-$s.reports
    rm -rf "$reportdir" && mkdir -p "$reportdir"
    start=$(date +%s)
    # shellcheck disable=SC2086
    LSAN_OPTIONS="suppressions=$PWD/examples/bench/lsan.supp:print_suppressions=0" \
    ASAN_OPTIONS="log_path=$reportdir/asan" TSAN_OPTIONS="log_path=$reportdir/tsan" \
        swift test --sanitize=$s --scratch-path /tmp/ul-sanitize-$s $filter > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    executed=$(grep -a 'Executed .* tests' "$log" | tail -1 | sed 's/^[[:space:]]*//')
    # A report is an error of any sanitizer or a direct leak. Indirect leaks are blocks reachable only from a
    # leaked block; with the direct ones suppressed (lsan.supp: XCTest's test-case objects held at exit) they
    # are counted apart and listed, not failed on.
    errors=$(cat "$log" "$reportdir"/* 2>/dev/null | grep -a -E '^SUMMARY: (Address|Thread|UndefinedBehavior)Sanitizer' | grep -avc 'leaked in')
    direct=$(cat "$log" "$reportdir"/* 2>/dev/null | grep -ac '^Direct leak')
    indirect=$(cat "$log" "$reportdir"/* 2>/dev/null | grep -ac '^Indirect leak')
    reports=$((errors + direct))
    printf '%-8s exit %-3s %5ss  %s; sanitizer reports: %s (errors %s, direct leaks %s; indirect leaks %s) (log %s)\n' \
        "$s" "$rc" "$secs" "${executed:-no summary}" "$reports" "$errors" "$direct" "$indirect" "$log"
    cat "$log" "$reportdir"/* 2>/dev/null | grep -a -E '^SUMMARY: ' | sort | uniq -c | head -10
    # With only indirect leaks, LeakSanitizer's exit status is the only failure: judge by the reports then.
    # (The last "Executed" line is the whole suite's; a sub-suite's "0 failures" says nothing about the rest.)
    case $executed in *" 0 failures"*) passed=1 ;; *) passed=0 ;; esac
    if [ "$rc" -ne 0 ] && [ "$reports" -eq 0 ] && [ "$indirect" -gt 0 ] && [ "$passed" -eq 1 ]; then rc=0; fi
    [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ] || status=1
done
exit $status
