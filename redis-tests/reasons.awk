# Sort the failed tests of a harness log by reason, for the runner's
# "failures by reason" summary and the README's table.
#
# Design: the reason is read from the error text the harness prints under each
# [err] line.  An unknown command names the missing feature, and the command
# tells which data type or subsystem it belongs to; other texts are coarser
# (lost connection, unknown subcommand, config parameter or INFO field,
# wrong reply).  A
# test that fails on a wrong reply may still be about a missing type (a setup
# step is fine, an assertion is not), so "wrong reply" is the bucket to read
# test by test.
#
# Input: one harness log; variable unit names the unit.
# Output: "<reason>\t<unit>\t<test>" per failed test.

BEGIN {
    split("lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset linsert lrem ltrim lpos " \
          "lmove blmove blpop brpop brpoplpush rpoplpush lmpop blmpop", words, " ")
    for (i in words) family[words[i]] = "lists"
    split("sadd srem smembers sismember smismember scard spop srandmember smove sinter " \
          "sintercard sinterstore sunion sunionstore sdiff sdiffstore sscan", words, " ")
    for (i in words) family[words[i]] = "sets"
    split("hset hget hmset hmget hdel hlen hexists hgetall hkeys hvals hincrby hincrbyfloat " \
          "hsetnx hstrlen hrandfield hscan", words, " ")
    for (i in words) family[words[i]] = "hashes"
    split("eval evalsha eval_ro evalsha_ro script fcall fcall_ro", words, " ")
    for (i in words) family[words[i]] = "scripting"
    split("subscribe unsubscribe psubscribe punsubscribe publish pubsub ssubscribe " \
          "sunsubscribe spublish", words, " ")
    for (i in words) family[words[i]] = "pub/sub"
    split("replicaof slaveof sync psync wait failover replconf", words, " ")
    for (i in words) family[words[i]] = "replication"
    split("save bgsave bgrewriteaof lastsave", words, " ")
    for (i in words) family[words[i]] = "persistence"
    split("pfadd pfcount pfmerge pfdebug geoadd geosearch geodist georadius sort sort_ro", words, " ")
    for (i in words) family[words[i]] = "other types (sort, geo, hyperloglog)"
}

# The family of a config parameter named in an error, or "".
function parameter_family(name) {
    if (name ~ /^(repl-|replica-|slave-|masterauth|bind-source-addr)/) return "replication"
    if (name ~ /^(stream-)/) return "streams"
    if (name ~ /^(zset-)/) return "sorted sets"
    if (name ~ /^(hash-)/) return "hashes"
    if (name ~ /^(list-)/) return "lists"
    if (name ~ /^(set-)/) return "sets"
    if (name ~ /^(appendonly|save|aof-|rdb)/) return "persistence"
    if (name ~ /^(lua-|busy-reply-threshold)/) return "scripting"
    return ""
}

function classify(text, name,    cmd, m) {
    if (text ~ /'QUEUED'|MULTI calls can not be nested|WATCH inside MULTI is not allowed/)
        return "cascade: an earlier failure left the connection inside MULTI"
    if (text ~ /does not support replication/) return "replication"
    if (match(text, /unknown command '[^']*'/)) {
        cmd = tolower(substr(text, RSTART + 17, RLENGTH - 18))
        if (cmd in family) return family[cmd]
        if (cmd ~ /^(z|bz)/) return "sorted sets"
        if (cmd ~ /^x/) return "streams"
        return "not yet implemented: " toupper(cmd)
    }
    if (match(text, /unknown subcommand( or wrong number of arguments for)? '[^']*'\. Try [A-Za-z|]+ HELP/)) {
        m = substr(text, RSTART, RLENGTH)
        sub(/^[^']*'/, "", m)
        split(m, parts, "'. Try ")
        sub(/ HELP$/, "", parts[2])
        if (toupper(parts[2]) == "FUNCTION") return "scripting"
        if (toupper(parts[2]) == "DEBUG" && tolower(parts[1]) == "reload") return "persistence"
        return "not yet implemented: " toupper(parts[2]) " " toupper(parts[1])
    }
    if (text ~ /Unknown option or number of arguments for CONFIG SET - 'appendonly'/ ||
        text ~ /CONFIG (SET|GET)[^\n]*'(appendonly|save)'/)
        return "persistence"
    if (match(text, /(Unknown option|Unsupported CONFIG parameter)[^']*'[^']*'/)) {
        m = substr(text, RSTART, RLENGTH)
        sub(/^[^']*'/, "", m)
        sub(/'$/, "", m)
        if (parameter_family(m) != "") return parameter_family(m)
        return "not yet implemented: CONFIG parameter " m
    }
    if (text ~ /Expected '' to / && match(text, /\[s -?[0-9]* ?[a-z_0-9]+\]/)) {
        m = substr(text, RSTART + 3, RLENGTH - 4)
        sub(/^-?[0-9]+ /, "", m)
        return "not yet implemented: INFO field " m
    }
    if (text ~ /connection refused|connection reset|broken pipe|I\/O error|couldn't open socket/)
        return "server closed the connection or crashed"
    if (text ~ /no blocked clients/) return "lists"
    # A script called a command zkv lacks; the text does not name it, and
    # the unit's scripts call list, sorted-set and CLUSTER RESET commands.
    if (text ~ /Unknown Redis command called from script/)
        return "a command zkv lacks, called from a script (lists, sorted sets, CLUSTER RESET)"
    # What is left failed on a reply; the test's subject is the best guess.
    cmd = tolower(name)
    sub(/ .*/, "", cmd)
    if (cmd in family) return family[cmd]
    if (cmd ~ /^(z|bz)[a-z]+$/ && name ~ /^[A-Z]/) return "sorted sets"
    if (cmd ~ /^x[a-z]+$/ && name ~ /^[A-Z]/) return "streams"
    if (tolower(name) ~ /script|lua|eval|function/) return "scripting"
    if (name ~ /^maxmemory - |^eviction due to /) return "maxmemory eviction"
    return "wrong reply"
}

function flush_failure() {
    if (name != "") print classify(details, name) "\t" unit "\t" name
    name = ""
    details = ""
}

/^\[err\]: / {
    flush_failure()
    name = substr($0, 8)
    if (!sub(/ in tests\/.*\.tcl$/, "", name)) name = "(block) " name
    next
}
/^\[[a-z0-9\/ ]+\]: |^Testing |^\[[0-9]+\/[0-9]+ / { flush_failure(); next }
name != "" { details = details "\n" $0 }
END { flush_failure() }
