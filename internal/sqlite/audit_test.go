package sqlite

import (
	"testing"

	"github.com/firebreak/firebreak/internal/storetest"
)

func TestAuditConformance(t *testing.T) { storetest.RunAudit(t, opener()) }
