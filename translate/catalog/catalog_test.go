package catalog

import (
	"testing"
)

func TestLookups(t *testing.T) {
	if f, ok := Lookup("fd.name"); !ok || f.Type != CHARBUF || f.Class != "fd" {
		t.Fatalf("fd.name: %+v %v", f, ok)
	}
	// the reference's 188 syscall fields, then the audit fields
	if n := len(Fields()) - len(auditFields()); n != 188 {
		t.Errorf("got %d syscall fields, want 188", n)
	}
	if f, ok := Lookup("ct.name"); !ok || f.Class != "aws_cloudtrail" {
		t.Errorf("ct.name: %+v %v", f, ok)
	}
	for _, ev := range []string{"open", "openat2", "execve", "switch", "procexit", "mlock2"} {
		if !IsEventType(ev) {
			t.Errorf("%s should be an event type", ev)
		}
	}
	for _, bad := range []string{"OPEN", "epo", "op*", ""} {
		if IsEventType(bad) {
			t.Errorf("%q should not be an event type", bad)
		}
	}
	if v, ok := Errno("EAGAIN"); !ok || v != 11 {
		t.Errorf("EAGAIN = %d %v", v, ok)
	}
	if _, ok := Errno("ERESTARTNOHAND"); !ok {
		t.Error("ERESTARTNOHAND missing")
	}
	if p, ok := Service("http"); !ok || p != 80 {
		t.Errorf("http = %d %v", p, ok)
	}
	if ty, ok := ParamType("res"); !ok || ty != "PT_ERRNO" {
		t.Errorf("res: %s %v", ty, ok)
	}
}

func TestClosest(t *testing.T) {
	got := Closest("fd.nmae", FieldNames(), 3)
	if len(got) == 0 || got[0] != "fd.name" {
		t.Fatalf("Closest(fd.nmae) = %v", got)
	}
	if got := Closest("zzzzzzzz", FieldNames(), 3); len(got) != 0 {
		t.Fatalf("Closest(zzzzzzzz) = %v", got)
	}
}
