package eval

// MemoSlots is the number of distinct sub-expressions m holds a value for.
func MemoSlots(m *Memo) int { return len(m.slots) }

// MemoNodes is the number of sub-expressions compiled through m, shared or not.
func MemoNodes(m *Memo) int { return m.nodes }
