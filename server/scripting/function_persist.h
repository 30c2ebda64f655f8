/* function_persist: the function libraries in RDB files (core/function_store.h),
 * installed by the scripting module's init. */
#ifndef ZKV_FUNCTION_PERSIST_H
#define ZKV_FUNCTION_PERSIST_H

void function_persist_install(void);
void function_persist_uninstall(void);

#endif
