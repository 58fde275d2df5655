package catalog

import "sort"

// Closest returns up to n candidates nearest to s by edit distance, nearest first, keeping
// only those close enough to be a plausible typo (distance at most a quarter of the shorter
// name, or 2).
func Closest(s string, candidates []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	var best []scored
	for _, c := range candidates {
		limit := max(min(len(s), len(c))/4, 2)
		d := distance(s, c)
		if d <= limit {
			best = append(best, scored{c, d})
		}
	}
	sort.SliceStable(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].name < best[j].name
	})
	out := make([]string, 0, n)
	for i := 0; i < len(best) && i < n; i++ {
		out = append(out, best[i].name)
	}
	return out
}

// FieldNames returns every catalogue field name.
func FieldNames() []string {
	fs := load().fields
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance, so a swapped pair
// of letters counts as one typo.
func distance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		return max(len(a), len(b)) // not worth the quadratic cost; never "close"
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
