package match

import (
	"encoding/json"
	"time"
)

// IndicatorFromSTIX reads what the matcher needs of one version of a STIX indicator
// (raw JSON), stored at seq. ok is false when raw is not an indicator. An indicator
// whose pattern is in another language than STIX comes back with an empty Pattern, which
// removes that id from a matcher: a new version may change the language.
func IndicatorFromSTIX(raw []byte, seq int64) (ind Indicator, ok bool) {
	var v struct {
		Type        string    `json:"type"`
		ID          string    `json:"id"`
		Name        string    `json:"name"`
		Pattern     string    `json:"pattern"`
		PatternType string    `json:"pattern_type"`
		ValidFrom   time.Time `json:"valid_from"`
		ValidUntil  time.Time `json:"valid_until"`
		Revoked     bool      `json:"revoked"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Type != "indicator" || v.ID == "" {
		return Indicator{}, false
	}
	ind = Indicator{ID: v.ID, Name: v.Name, ValidFrom: v.ValidFrom, ValidUntil: v.ValidUntil, Revoked: v.Revoked, Seq: seq}
	if v.PatternType == "stix" {
		ind.Pattern = v.Pattern
	}
	return ind, true
}
