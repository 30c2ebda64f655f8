/* collection_defrag: moving collection blocks (collection_defrag.h). */
#include "collection_defrag.h"

#include "zmalloc.h"

void *collection_defrag_block(void *block) {
    if (!zmalloc_defrag_should_move(block)) return block;
    void *moved = zmalloc_defrag_move(block);
    return moved != NULL ? moved : block;
}

static void *collection_defrag_page(void *privdata, void *block) {
    (void)privdata;
    return collection_defrag_block(block);
}

lhash *collection_defrag_lhash(lhash *h, collection_defrag_progress *progress, unsigned pages) {
    unsigned long cursor = progress->table == h ? progress->cursor : 0;
    lhash *moved = collection_defrag_block(h);
    for (unsigned page = 0; page < pages; page++) {
        cursor = lhash_defrag_step(moved, cursor, collection_defrag_page, NULL);
        if (cursor == 0) break;
    }
    progress->table = moved;
    progress->cursor = cursor;
    return moved;
}
