/* lazyfree: a queue of free jobs drained by one background thread.  See
 * lazyfree.h for what goes there and why. */
#include "lazyfree.h"

#include <pthread.h>

#include "zmalloc.h"

typedef struct lazyfree_job {
    object *o;              /* one object, or */
    table *t;               /* a whole table, or */
    void *block;            /* one plain block */
    long long count;        /* objects this job frees */
    struct lazyfree_job *next;
} lazyfree_job;

static pthread_mutex_t lazyfree_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lazyfree_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t lazyfree_idle = PTHREAD_COND_INITIALIZER;
static lazyfree_job *lazyfree_head, *lazyfree_tail;
static bool lazyfree_thread_started;
static bool lazyfree_busy; /* the thread is freeing a job it dequeued */
static long long lazyfree_pending;
static long long lazyfree_freed;

static lazyfree_job *lazyfree_take(void) {
    pthread_mutex_lock(&lazyfree_lock);
    while (lazyfree_head == NULL) pthread_cond_wait(&lazyfree_work, &lazyfree_lock);
    lazyfree_job *job = lazyfree_head;
    lazyfree_head = job->next;
    if (lazyfree_head == NULL) lazyfree_tail = NULL;
    lazyfree_busy = true;
    pthread_mutex_unlock(&lazyfree_lock);
    return job;
}

static void *lazyfree_thread_main(void *argument) {
    (void)argument;
    for (;;) {
        lazyfree_job *job = lazyfree_take();
        if (job->o != NULL) object_free(job->o);
        if (job->t != NULL) table_release(job->t);
        zmalloc_free(job->block);
        long long count = job->count;
        zmalloc_free(job); /* before reporting idle: waiters see all memory back */
        pthread_mutex_lock(&lazyfree_lock);
        lazyfree_pending -= count;
        lazyfree_freed += count;
        lazyfree_busy = false;
        if (lazyfree_head == NULL) pthread_cond_broadcast(&lazyfree_idle);
        pthread_mutex_unlock(&lazyfree_lock);
    }
    return NULL;
}

/* Queues a job; if the thread cannot be started the job runs here. */
static void lazyfree_submit(object *o, table *t, void *block, long long count) {
    lazyfree_job *job = zmalloc_alloc(sizeof *job);
    *job = (lazyfree_job){.o = o, .t = t, .block = block, .count = count};
    pthread_mutex_lock(&lazyfree_lock);
    if (!lazyfree_thread_started) {
        pthread_t thread;
        lazyfree_thread_started = pthread_create(&thread, NULL, lazyfree_thread_main, NULL) == 0;
        if (lazyfree_thread_started) pthread_detach(thread);
    }
    if (!lazyfree_thread_started) {
        pthread_mutex_unlock(&lazyfree_lock);
        if (o != NULL) object_free(o);
        if (t != NULL) table_release(t);
        zmalloc_free(block);
        zmalloc_free(job);
        return;
    }
    if (lazyfree_tail != NULL)
        lazyfree_tail->next = job;
    else
        lazyfree_head = job;
    lazyfree_tail = job;
    lazyfree_pending += count;
    pthread_cond_signal(&lazyfree_work);
    pthread_mutex_unlock(&lazyfree_lock);
}

void lazyfree_free_object(object *o, bool allow_async) {
    if (allow_async && object_free_effort(o) > LAZYFREE_EFFORT_THRESHOLD)
        lazyfree_submit(o, NULL, NULL, 1);
    else
        object_free(o);
}

void lazyfree_free_table(table *t) {
    lazyfree_submit(NULL, t, NULL, (long long)table_size(t));
}

/* Not an object: counts nothing in the INFO figures. */
void lazyfree_free_block(void *block) {
    lazyfree_submit(NULL, NULL, block, 0);
}

long long lazyfree_pending_objects(void) {
    pthread_mutex_lock(&lazyfree_lock);
    long long pending = lazyfree_pending;
    pthread_mutex_unlock(&lazyfree_lock);
    return pending;
}

long long lazyfree_freed_objects(void) {
    pthread_mutex_lock(&lazyfree_lock);
    long long freed = lazyfree_freed;
    pthread_mutex_unlock(&lazyfree_lock);
    return freed;
}

void lazyfree_reset_stats(void) {
    pthread_mutex_lock(&lazyfree_lock);
    lazyfree_freed = 0;
    pthread_mutex_unlock(&lazyfree_lock);
}

void lazyfree_wait_idle(void) {
    pthread_mutex_lock(&lazyfree_lock);
    while (lazyfree_head != NULL || lazyfree_busy) pthread_cond_wait(&lazyfree_idle, &lazyfree_lock);
    pthread_mutex_unlock(&lazyfree_lock);
}
