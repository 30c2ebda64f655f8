/* resp_parser_bench: how fast protocol/resp_parser turns a pipeline into
 * commands.
 *
 * Builds one buffer of N pipelined "SET key:NNNNNNNNNNNN xxx" requests
 * (multibulk, as clients send them, and inline for comparison) and feeds it
 * the way the server does: read_area, a copy of at most RESP_READ_CHUNK
 * bytes standing in for read(2), commit_read, then next_command until the
 * parser needs more.  The copy is part of the measured time, as the kernel's
 * copy would be.  Every command is checked (argument count and lengths), so
 * the work cannot be optimised away and a wrong parse fails the run.
 *
 * Usage: resp_parser_bench [commands] [rounds]   (default 1000000 5)
 * Prints the best and median round as commands per second and ns/command, in
 * wall-clock time and in CPU time of this process; on a shared machine the
 * CPU figure is the one that does not count other processes' turns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resp_parser.h"

typedef struct pipeline {
    char *bytes;
    size_t length;
} pipeline;

static pipeline build_pipeline(long commands, int inline_form)
{
    size_t each = inline_form ? 26 : 48;
    pipeline result = {malloc((size_t)commands * each + 1), 0};
    if (result.bytes == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    const char *format = inline_form ? "SET key:%012ld xxx\r\n"
                                     : "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012ld\r\n$3\r\nxxx\r\n";
    for (long i = 0; i < commands; i++)
        result.length += (size_t)sprintf(result.bytes + result.length, format, i);
    return result;
}

static double now_seconds(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Parses the whole pipeline once; returns the number of commands seen. */
static long parse_pipeline(const pipeline *input)
{
    resp_parser *parser = resp_parser_create(NULL);
    resp_command command;
    size_t sent = 0;
    long commands = 0;
    while (sent < input->length) {
        size_t capacity;
        char *area = resp_parser_read_area(parser, &capacity);
        size_t count = input->length - sent;
        if (count > capacity)
            count = capacity;
        if (count > RESP_READ_CHUNK)
            count = RESP_READ_CHUNK;
        memcpy(area, input->bytes + sent, count);
        resp_parser_commit_read(parser, count);
        sent += count;
        resp_parse_status status;
        while ((status = resp_parser_next_command(parser, &command)) == RESP_PARSE_COMMAND) {
            if (command.argc != 3 || command.argv[1].length != 16 || command.argv[2].length != 3) {
                fprintf(stderr, "bad command %ld\n", commands);
                exit(1);
            }
            commands++;
        }
        if (status == RESP_PARSE_ERROR) {
            fprintf(stderr, "parse error: %s\n", resp_parser_error(parser));
            exit(1);
        }
    }
    resp_parser_destroy(parser);
    return commands;
}

static int compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left;
    double b = *(const double *)right;
    return (a > b) - (a < b);
}

static void report(const char *name, const char *clock_name, double *seconds, int rounds,
                   long commands)
{
    qsort(seconds, (size_t)rounds, sizeof(*seconds), compare_doubles);
    double best = seconds[0];
    double median = seconds[rounds / 2];
    printf("%-9s %-4s best %.0f commands/s %.1f ns/command, median %.0f commands/s %.1f "
           "ns/command\n",
           name, clock_name, commands / best, best * 1e9 / commands, commands / median,
           median * 1e9 / commands);
}

static void measure(const char *name, long commands, int rounds, int inline_form)
{
    pipeline input = build_pipeline(commands, inline_form);
    double *wall = malloc((size_t)rounds * sizeof(*wall));
    double *cpu = malloc((size_t)rounds * sizeof(*cpu));
    for (int round = 0; round < rounds; round++) {
        double wall_start = now_seconds(CLOCK_MONOTONIC);
        double cpu_start = now_seconds(CLOCK_PROCESS_CPUTIME_ID);
        long parsed = parse_pipeline(&input);
        cpu[round] = now_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
        wall[round] = now_seconds(CLOCK_MONOTONIC) - wall_start;
        if (parsed != commands) {
            fprintf(stderr, "%s: parsed %ld commands, expected %ld\n", name, parsed, commands);
            exit(1);
        }
    }
    printf("%s: %ld commands, %zu bytes, %d rounds\n", name, commands, input.length, rounds);
    report(name, "wall", wall, rounds, commands);
    report(name, "cpu", cpu, rounds, commands);
    free(wall);
    free(cpu);
    free(input.bytes);
}

int main(int argc, char **argv)
{
    long commands = argc > 1 ? atol(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (commands <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: %s [commands] [rounds]\n", argv[0]);
        return 2;
    }
    measure("multibulk", commands, rounds, 0);
    measure("inline", commands, rounds, 1);
    return 0;
}
