// Package stored holds the JSON encodings of the body columns that both stores keep for
// disclosure requests and introductions. The body is what a backup carries, so one
// encoding, written in one place, is what lets a backup move between the stores.
package stored

import (
	"encoding/json"

	"github.com/firebreak/firebreak"
)

// disclosure is a disclosure request's body: the request with the fields its JSON form
// leaves to columns.
type disclosure struct {
	firebreak.DisclosureRequest
	Ask           string `json:"ask,omitempty"`
	Requester     int64  `json:"requester"`
	RequesterUser string `json:"requester_user"`
	Provider      int64  `json:"provider"`
}

// EncodeDisclosure renders r for the body column of disclosures.
func EncodeDisclosure(r firebreak.DisclosureRequest) ([]byte, error) {
	b, err := json.Marshal(disclosure{DisclosureRequest: r, Ask: r.Ask, Requester: r.Requester, RequesterUser: r.RequesterUser, Provider: r.Provider})
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the disclosure request")
	}
	return b, nil
}

// DecodeDisclosure reads what EncodeDisclosure wrote.
func DecodeDisclosure(body []byte) (firebreak.DisclosureRequest, error) {
	var row disclosure
	if err := json.Unmarshal(body, &row); err != nil {
		return firebreak.DisclosureRequest{}, firebreak.Wrap(firebreak.EINTERNAL, err, "a stored disclosure request cannot be read")
	}
	r := row.DisclosureRequest
	r.Ask, r.Requester, r.RequesterUser, r.Provider = row.Ask, row.Requester, row.RequesterUser, row.Provider
	return r, nil
}

// introduction is an introduction's body: the introduction with the fields its JSON form
// leaves to columns.
type introduction struct {
	firebreak.Introduction
	Requester     int64  `json:"requester"`
	RequesterUser string `json:"requester_user"`
	Provider      int64  `json:"provider"`
}

// EncodeIntroduction renders in for the body column of introductions.
func EncodeIntroduction(in firebreak.Introduction) ([]byte, error) {
	b, err := json.Marshal(introduction{Introduction: in, Requester: in.Requester, RequesterUser: in.RequesterUser, Provider: in.Provider})
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the introduction")
	}
	return b, nil
}

// DecodeIntroduction reads what EncodeIntroduction wrote.
func DecodeIntroduction(body []byte) (firebreak.Introduction, error) {
	var row introduction
	if err := json.Unmarshal(body, &row); err != nil {
		return firebreak.Introduction{}, firebreak.Wrap(firebreak.EINTERNAL, err, "a stored introduction cannot be read")
	}
	in := row.Introduction
	in.Requester, in.RequesterUser, in.Provider = row.Requester, row.RequesterUser, row.Provider
	return in, nil
}

// EncodePolicies renders a withdrawal's policy ids for the policies column of
// withdrawals: a JSON array, as both stores keep lists in text columns.
func EncodePolicies(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids) // a slice of integers always encodes
	return string(b)
}

// DecodePolicies reads what EncodePolicies wrote.
func DecodePolicies(s string) ([]int64, error) {
	var ids []int64
	if err := json.Unmarshal([]byte(s), &ids); err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "a stored withdrawal cannot be read")
	}
	return ids, nil
}
