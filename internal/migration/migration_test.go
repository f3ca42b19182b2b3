package migration

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string // names in order; nil with ok false for an error
		ok    bool
	}{
		{"in number order", fstest.MapFS{
			"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A"), "m/10_c.sql.txt": file("x"), "other/0003_d.sql": file("D"),
		}, []string{"0001_a.sql", "0002_b.sql"}, true},
		{"none", fstest.MapFS{}, nil, true},
		{"gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, false},
		{"repeated number", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")}, nil, false},
		{"no number", fstest.MapFS{"m/init.sql": file("A")}, nil, false},
		{"zero", fstest.MapFS{"m/0000_a.sql": file("A")}, nil, false},
	}
	for _, tc := range tests {
		ms, err := Load(tc.files, "m")
		if (err == nil) != tc.ok {
			t.Errorf("%s: Load error %v, want ok %v", tc.name, err, tc.ok)
			continue
		}
		var got []string
		for i, m := range ms {
			got = append(got, m.Name)
			if m.Version != i+1 || m.SQL != string(tc.files["m/"+m.Name].Data) {
				t.Errorf("%s: migration %d = %+v", tc.name, i, m)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Load = %v, want %v", tc.name, got, tc.want)
		}
	}
}
