/* "Did you mean ...?" for mistyped keys: the candidate with the smallest edit distance. */
#ifndef FL_UTIL_SUGGEST_H
#define FL_UTIL_SUGGEST_H
#include <stddef.h>
/* The nearest of candidates[0..n) to word, or NULL when none is within a third of its length. */
const char *fl_nearest(const char *word, const char *const *candidates, size_t n);
#endif
