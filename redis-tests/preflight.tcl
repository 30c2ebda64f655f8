# Check, before any unit runs, the replies the upstream harness itself needs
# from the server, and name what is missing: when one of these is wrong,
# whole units fail for a reason unrelated to the feature they test, and the
# per-test failures would hide it.
#
# Design: a raw socket and a reader bounded by a deadline (the upstream client
# waits forever), one command at a time in RESP2, the way the harness's
# client sends them.  Only prints; the runner decides nothing from it.
#
# Usage: tclsh preflight.tcl <port>

set port [lindex $argv 0]
set ::deadline_ms 3000

proc read_line {fd} {
    set line ""
    set until [expr {[clock milliseconds] + $::deadline_ms}]
    while {[clock milliseconds] < $until} {
        set char [read $fd 1]
        if {$char eq ""} {
            if {[eof $fd]} { error "connection closed" }
            after 5
            continue
        }
        append line $char
        if {[string range $line end-1 end] eq "\r\n"} {
            return [string range $line 0 end-2]
        }
    }
    error "no reply within $::deadline_ms ms"
}

proc read_bytes {fd count} {
    set data ""
    set until [expr {[clock milliseconds] + $::deadline_ms}]
    while {[string length $data] < $count && [clock milliseconds] < $until} {
        set chunk [read $fd [expr {$count - [string length $data]}]]
        if {$chunk eq ""} {
            if {[eof $fd]} { error "connection closed" }
            after 5
        }
        append data $chunk
    }
    if {[string length $data] < $count} { error "truncated reply" }
    return $data
}

# Returns {type value}: type is one of + - : $ * (value of * is a list of replies).
proc read_reply {fd} {
    set line [read_line $fd]
    set type [string index $line 0]
    set rest [string range $line 1 end]
    switch -- $type {
        + - - - : { return [list $type $rest] }
        $ {
            if {$rest < 0} { return [list $ {}] }
            set data [read_bytes $fd [expr {$rest + 2}]]
            return [list $ [string range $data 0 end-2]]
        }
        * {
            set items {}
            for {set i 0} {$i < $rest} {incr i} { lappend items [read_reply $fd] }
            return [list * $items]
        }
        default { error "not a RESP2 reply: $line" }
    }
}

proc call {fd args} {
    set request "*[llength $args]\r\n"
    foreach arg $args { append request "\$[string length $arg]\r\n$arg\r\n" }
    puts -nonewline $fd $request
    flush $fd
    read_reply $fd
}

proc check {what expected script} {
    if {[catch {uplevel 1 $script} outcome]} {
        set outcome "error: $outcome"
    }
    if {$outcome eq "ok"} {
        puts [format "  ok       %s" $what]
    } else {
        incr ::missing
        puts [format "  MISSING  %s -> expected %s, got %s" $what $expected $outcome]
    }
}

set ::missing 0
set fd [socket 127.0.0.1 $port]
fconfigure $fd -translation binary -blocking 0

puts "harness prerequisites (replies the upstream test harness needs):"
check "SELECT 9" "+OK" {
    set r [call $fd SELECT 9]
    expr {$r eq {+ OK} ? "ok" : $r}
}
check "FLUSHALL" "+OK" {
    set r [call $fd FLUSHALL]
    expr {$r eq {+ OK} ? "ok" : $r}
}
check "FUNCTION FLUSH" "+OK" {
    set r [call $fd FUNCTION FLUSH]
    expr {$r eq {+ OK} ? "ok" : $r}
}
check "CONFIG GET maxmemory" "a 2-element array" {
    set r [call $fd CONFIG GET maxmemory]
    expr {[lindex $r 0] eq "*" && [llength [lindex $r 1]] == 2 ? "ok" : $r}
}
check "CONFIG SET maxmemory 0" "+OK" {
    set r [call $fd CONFIG SET maxmemory 0]
    expr {$r eq {+ OK} ? "ok" : $r}
}
check "DEBUG LOG text" "any reply" {
    call $fd DEBUG LOG "preflight"
    set _ ok
}
check "INFO" "a bulk string of field:value lines with used_memory and connected_clients" {
    set r [call $fd INFO]
    set text [lindex $r 1]
    expr {[lindex $r 0] eq "\$" && [regexp "\r\nused_memory:\[0-9\]+\r\n" $text]
          && [regexp "\r\nconnected_clients:\[0-9\]+\r\n" $text] ? "ok" : [string range $r 0 80]}
}
close $fd
if {$::missing} {
    puts "  $::missing prerequisite(s) missing: expect failures unrelated to the units' subjects"
}
