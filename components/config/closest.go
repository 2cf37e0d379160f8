package config

import (
	"cmp"
	"slices"

	"github.com/agext/levenshtein"
)

// closest returns up to n of the candidates nearest to s by edit distance,
// nearest first, for "did you mean" hints.
func closest(s string, candidates []string, n int) []string {
	ranked := slices.Clone(candidates)
	slices.SortStableFunc(ranked, func(a, b string) int {
		return cmp.Compare(levenshtein.Distance(s, a, nil), levenshtein.Distance(s, b, nil))
	})
	return ranked[:min(n, len(ranked))]
}
