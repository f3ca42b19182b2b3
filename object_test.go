package firebreak

import (
	"slices"
	"testing"
	"time"
)

func TestPageOf(t *testing.T) {
	at := time.UnixMicro(1_000_000).UTC()
	objs := []Object{{Seq: 1, Added: at}, {Seq: 2, Added: at}, {Seq: 5, Added: at.Add(time.Microsecond)}}
	after := Cursor{Added: 7, Seq: 3}
	tests := []struct {
		name  string
		objs  []Object
		limit int
		want  []int64
		more  bool
		next  Cursor
	}{
		{"none", nil, 2, nil, false, after},
		{"fewer than the limit", objs[:1], 2, []int64{1}, false, Cursor{Added: 1_000_000, Seq: 1}},
		{"as many as the limit", objs[:2], 2, []int64{1, 2}, false, Cursor{Added: 1_000_000, Seq: 2}},
		{"one beyond the limit", objs, 2, []int64{1, 2}, true, Cursor{Added: 1_000_000, Seq: 2}},
	}
	for _, tc := range tests {
		p := PageOf(tc.objs, tc.limit, after)
		var got []int64
		for _, o := range p.Objects {
			got = append(got, o.Seq)
		}
		if !slices.Equal(got, tc.want) || p.More != tc.more || p.Next != tc.next {
			t.Errorf("%s: PageOf = seqs %v, more %v, next %+v; want %v, %v, %+v", tc.name, got, p.More, p.Next, tc.want, tc.more, tc.next)
		}
	}
}
