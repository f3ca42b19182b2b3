package scrub

import "testing"

// reportObject is a typical report as members submit it: about 1 KB, mostly indicators and
// references, with a little personal data.
var reportObject = []byte(`{
  "type": "report",
  "spec_version": "2.1",
  "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
  "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
  "created": "2023-11-14T09:26:53.123Z",
  "modified": "2023-11-14T09:26:53.123Z",
  "name": "Spearphishing campaign against water utilities, November 2023",
  "description": "Between 2023-11-01 and 2023-11-13 the actor sent lures from billing@invoice-secure.top to operators of three utilities. The attachment (SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08) drops a loader that beacons to 185.220.101.45:443 and 2001:db8:85a3::8a2e:370:7334 every 60 seconds. It exploits CVE-2023-34362 and uses T1566.001, T1059.001 and T0855. Version 4.1.2.1055 of the HMI software is affected. The victim at one site, reachable at (555) 123-4567, reported the call-back scam.",
  "report_types": ["campaign", "threat-actor"],
  "published": "2023-11-14T09:26:53.123Z",
  "object_refs": [
    "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
    "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
    "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5"
  ],
  "external_references": [
    {"source_name": "vendor-blog", "url": "https://example.com/blog/2023/11/water", "description": "Initial analysis by the vendor's research team"},
    {"source_name": "cisa", "external_id": "AA23-320A", "url": "https://www.cisa.gov/news-events/cybersecurity-advisories/aa23-320a"}
  ],
  "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
}`)

func BenchmarkObject(b *testing.B) {
	s := New([]string{"Jane Doe", "Priya Raman", "Samuel Okafor", "Alex Chen"})
	b.SetBytes(int64(len(reportObject)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Object(reportObject); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidObject is BenchmarkObject without the syntax check, as ingest calls it.
func BenchmarkValidObject(b *testing.B) {
	s := New([]string{"Jane Doe", "Priya Raman", "Samuel Okafor", "Alex Chen"})
	b.SetBytes(int64(len(reportObject)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.ValidObject(reportObject); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkText(b *testing.B) {
	s := New([]string{"Jane Doe", "Priya Raman", "Samuel Okafor", "Alex Chen"})
	var corpus []string
	n := 0
	for _, e := range readCorpus(b) {
		corpus = append(corpus, e.Text)
		n += len(e.Text)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range corpus {
			s.Text(t)
		}
	}
}

// BenchmarkTextListedNamesOnly is BenchmarkText without the search for names that are not
// listed: the difference is the cost of that search.
func BenchmarkTextListedNamesOnly(b *testing.B) {
	s := New([]string{"Jane Doe", "Priya Raman", "Samuel Okafor", "Alex Chen"}, ListedNamesOnly())
	var corpus []string
	n := 0
	for _, e := range readCorpus(b) {
		corpus = append(corpus, e.Text)
		n += len(e.Text)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range corpus {
			s.Text(t)
		}
	}
}

// BenchmarkProviderTerms is the anonymous readers' pass over the report object.
func BenchmarkProviderTerms(b *testing.B) {
	t := NewTerms([]string{"Acme Energy", "acme-energy.com"})
	b.SetBytes(int64(len(reportObject)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := t.Object(reportObject); err != nil {
			b.Fatal(err)
		}
	}
}
