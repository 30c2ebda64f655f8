/* function_persistence: the registry behind core/function_libraries.h, so
 * RDB files save and load FUNCTION libraries (persist cannot name the
 * registry: it sits beside scripting in the layers). */
#ifndef ZKV_FUNCTION_PERSISTENCE_H
#define ZKV_FUNCTION_PERSISTENCE_H

/* Installs the hooks; called once the functions interpreter exists. */
void function_persistence_install(void);

#endif
