package taxiiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

// checkContentType accepts the TAXII 2.1 media type (version 2.1 or no version) and, for
// servers that label their JSON generically, application/json. Anything else, including
// no Content-Type at all, is refused: a login page or a proxy's error page is not TAXII.
func checkContentType(ct string) error {
	if taxii.ContentTypeOK(ct) {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q is not a media type", clip(ct))
	}
	if mt == "application/json" {
		return nil
	}
	return fmt.Errorf("content type %q is not %s", clip(ct), taxii.MediaType)
}

// decodeInto decodes one TAXII resource. The body must be a single JSON object; unknown
// members are ignored, as TAXII asks of clients.
func decodeInto(b []byte, dst any, what string) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return firebreak.Errorf(firebreak.EINVALID, "the server's %s resource is not a JSON object", what)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return firebreak.Wrap(firebreak.EINVALID, err, "the server's "+what+" resource is malformed")
	}
	return nil
}

// decodeEnvelope decodes an envelope. Each object is kept as the raw JSON the server sent;
// judging whether it is valid STIX is the ingest path's business, object by object.
func decodeEnvelope(b []byte) (taxii.Envelope, error) {
	var e taxii.Envelope
	err := decodeInto(b, &e, "envelope")
	return e, err
}
