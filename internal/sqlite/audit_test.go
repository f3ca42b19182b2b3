package sqlite

import (
	"testing"

	"github.com/firebreak/firebreak/internal/storetest"
)

func TestAuditConformance(t *testing.T) { storetest.RunAudit(t, opener()) }

func TestDisclosureConformance(t *testing.T) { storetest.RunDisclosure(t, opener()) }

func TestAuditedWritesConformance(t *testing.T) { storetest.RunAuditedWrites(t, opener()) }

func TestAnonymityConformance(t *testing.T) { storetest.RunAnonymity(t, opener()) }

func TestFederationConformance(t *testing.T) { storetest.RunFederation(t, opener()) }
