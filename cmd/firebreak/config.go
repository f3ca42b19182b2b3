package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/httpapi"
	"github.com/firebreak/firebreak/internal/taxii"
)

// Config is every setting of the hub. It is built from defaults, then a JSON file, then
// FIREBREAK_* environment variables, then flags, and validated before use.
type Config struct {
	Listen           string   `json:"listen"`
	Data             string   `json:"data"`
	Store            string   `json:"store"`
	TLSCert          string   `json:"tls_cert"`
	TLSKey           string   `json:"tls_key"`
	MaxContentLength int64    `json:"max_content_length"`
	DefaultTLP       string   `json:"default_tlp"`
	PageSize         int      `json:"page_size"`
	MaxPageSize      int      `json:"max_page_size"`
	LogLevel         string   `json:"log_level"`
	LogFormat        string   `json:"log_format"`
	ShutdownTimeout  Duration `json:"shutdown_timeout"`
	// Review holds submissions for an operator's review: "" (none), "findings" (those in
	// which personal data was found) or "all".
	Review string `json:"review"`
	// AuditKey is the Ed25519 key (PEM) that signs audit checkpoints; empty means
	// audit.key in the data directory.
	AuditKey string `json:"audit_key"`
	// AuditCheckpointInterval is how often the chain's head is signed.
	AuditCheckpointInterval Duration `json:"audit_checkpoint_interval"`
	// SightingsK is how many distinct organisations must report sightings of an
	// indicator before the hub releases a breakdown, and how many distinct requesters a
	// row of the transparency report must stand for.
	SightingsK int `json:"sightings_k"`
	// NoFederation stops the background sync with peers (firebreak sync still works):
	// for a node of a multi-node deployment that should not sync.
	NoFederation bool `json:"no_federation"`
}

// Duration is a time.Duration written as "30s" in the config file.
type Duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return usageError("a duration must be a string such as \"30s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return usageError(fmt.Sprintf("%q is not a duration such as \"30s\"", s))
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// defaultConfig is the configuration with nothing set: the contract's defaults.
func defaultConfig() Config {
	return Config{
		Listen:           "127.0.0.1:8443",
		Data:             "data",
		MaxContentLength: httpapi.DefaultMaxContentLength,
		DefaultTLP:       "amber",
		PageSize:         taxii.DefaultLimits.DefaultPage,
		MaxPageSize:      taxii.DefaultLimits.MaxPage,
		LogLevel:         "info",
		LogFormat:        "json",
		ShutdownTimeout:  Duration(30 * time.Second),

		AuditCheckpointInterval: Duration(10 * time.Second),
		SightingsK:              3,
	}
}

// settings binds a Config to a FlagSet so that each command offers the flags it uses.
type settings struct {
	fs     *flag.FlagSet
	file   *string
	values map[string]*string
}

// configFlags are the flags, environment variables and config fields that map onto each
// other one to one.
var configFlags = []struct{ flag, env, help string }{
	{"listen", "FIREBREAK_LISTEN", "address to listen on (default 127.0.0.1:8443)"},
	{"data", "FIREBREAK_DATA", "data directory of the embedded store (default ./data)"},
	{"store", "FIREBREAK_STORE", "store URL (postgres://...); empty: the embedded store in --data"},
	{"tls-cert", "FIREBREAK_TLS_CERT", "TLS certificate file (PEM); with --tls-key, serve HTTPS"},
	{"tls-key", "FIREBREAK_TLS_KEY", "TLS private key file (PEM)"},
	{"max-content-length", "FIREBREAK_MAX_CONTENT_LENGTH", "largest request body in bytes (default 33554432)"},
	{"default-tlp", "FIREBREAK_DEFAULT_TLP", "TLP applied to objects submitted without one: clear, green, amber, amber+strict, red (default amber)"},
	{"page-size", "FIREBREAK_PAGE_SIZE", "objects per page when a client sets no limit (default 1000)"},
	{"max-page-size", "FIREBREAK_MAX_PAGE_SIZE", "largest page a client may ask for (default 10000)"},
	{"log-level", "FIREBREAK_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"log-format", "FIREBREAK_LOG_FORMAT", "json or text (default json)"},
	{"shutdown-timeout", "FIREBREAK_SHUTDOWN_TIMEOUT", "how long to let requests finish on shutdown (default 30s)"},
	{"sightings-k", "FIREBREAK_SIGHTINGS_K", "distinct organisations needed before a sightings breakdown, or a transparency report row, is released (default 3)"},
	{"no-federation", "FIREBREAK_NO_FEDERATION", "do not sync with peers in the background (--no-federation, or =true or =false)"},
	{"review", "FIREBREAK_REVIEW", "hold submissions for review: off, findings or all (default off)"},
	{"audit-key", "FIREBREAK_AUDIT_KEY", "Ed25519 key (PEM) that signs audit checkpoints (default DATA/audit.key)"},
	{"audit-checkpoint-interval", "FIREBREAK_AUDIT_CHECKPOINT_INTERVAL", "how often the audit chain's head is signed (default 10s)"},
}

// newSettings defines the config flags named in which (all when which is empty) on fs.
func newSettings(fs *flag.FlagSet, which ...string) *settings {
	s := &settings{fs: fs, values: map[string]*string{}}
	s.file = fs.String("config", "", "JSON configuration file (env FIREBREAK_CONFIG)")
	for _, cf := range configFlags {
		if len(which) > 0 && !contains(which, cf.flag) {
			continue
		}
		help := cf.help + " [env " + cf.env + "]"
		if switches[cf.flag] {
			v := new(string)
			fs.Var(boolFlag{v}, cf.flag, help)
			s.values[cf.flag] = v
			continue
		}
		s.values[cf.flag] = fs.String(cf.flag, "", help)
	}
	return s
}

// switches are the config flags that may be given without a value.
var switches = map[string]bool{"no-federation": true}

// boolFlag is a config flag that is a switch: given alone it is "true", and it takes
// =true or =false; load parses the value as it does the environment variable's.
type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}

func (b boolFlag) Set(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*b.v = s
	return nil
}

// IsBoolFlag tells the flag package that the flag may be given without a value.
func (b boolFlag) IsBoolFlag() bool { return true }

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// load builds the configuration after fs has been parsed.
func (s *settings) load() (Config, error) {
	c := defaultConfig()
	path := *s.file
	if path == "" {
		path = os.Getenv("FIREBREAK_CONFIG")
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, usageError(fmt.Sprintf("config file %s: %s", path, decodeProblem(b, err)))
		}
	}
	set := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, cf := range configFlags {
		v, ok := os.LookupEnv(cf.env)
		source := "environment variable " + cf.env
		if p := s.values[cf.flag]; p != nil && set[cf.flag] {
			v, ok, source = *p, true, "flag --"+cf.flag
		}
		if !ok {
			continue
		}
		if err := c.set(cf.flag, v); err != nil {
			return c, usageError(fmt.Sprintf("%s: %v", source, err))
		}
	}
	// "off" is how the file, the environment and the flag all say firebreak.ReviewOff.
	if c.Review == "off" {
		c.Review = firebreak.ReviewOff
	}
	return c, c.validate()
}

// decodeProblem says what is wrong with the config file b in the file's terms (where,
// which setting), without the JSON decoder's own text.
func decodeProblem(b []byte, err error) string {
	var own usageError // a setting's own decoder says what is wrong in the file's terms
	switch {
	case errors.As(err, &own):
		return string(own)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "not a complete JSON object"
	}
	if m := firebreak.JSONProblem(err); m != "" {
		return m
	}
	if k := unknownSetting(b); k != "" {
		return fmt.Sprintf("unknown setting %q (each is named as its flag, with _ for -)", k)
	}
	return "not a JSON object of settings"
}

// unknownSetting returns the first key of the object b that names no setting of Config,
// compared as encoding/json compares them (without regard to case); "" when there is none
// or b is not an object.
func unknownSetting(b []byte) string {
	var keys map[string]json.RawMessage
	if json.Unmarshal(b, &keys) != nil {
		return ""
	}
	t := reflect.TypeFor[Config]()
	var unknown []string
	for k := range keys {
		known := false
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			known = known || strings.EqualFold(name, k)
		}
		if !known {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	return slices.Min(unknown)
}

func (c *Config) set(name, v string) error {
	var err error
	switch name {
	case "listen":
		c.Listen = v
	case "data":
		c.Data = v
	case "store":
		c.Store = v
	case "tls-cert":
		c.TLSCert = v
	case "tls-key":
		c.TLSKey = v
	case "max-content-length":
		c.MaxContentLength, err = strconv.ParseInt(v, 10, 64)
	case "default-tlp":
		c.DefaultTLP = v
	case "page-size":
		c.PageSize, err = strconv.Atoi(v)
	case "max-page-size":
		c.MaxPageSize, err = strconv.Atoi(v)
	case "log-level":
		c.LogLevel = v
	case "log-format":
		c.LogFormat = v
	case "shutdown-timeout":
		var d time.Duration
		d, err = time.ParseDuration(v)
		c.ShutdownTimeout = Duration(d)
	case "audit-key":
		c.AuditKey = v
	case "sightings-k":
		c.SightingsK, err = strconv.Atoi(v)
	case "no-federation":
		c.NoFederation, err = strconv.ParseBool(v)
	case "review":
		c.Review = v
	case "audit-checkpoint-interval":
		var d time.Duration
		d, err = time.ParseDuration(v)
		c.AuditCheckpointInterval = Duration(d)
	}
	if err != nil {
		return fmt.Errorf("%q is not a valid value", v)
	}
	return nil
}

// validate checks the configuration and reports every problem at once.
func (c Config) validate() error {
	var errs []string
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Sprintf("listen: %q is not host:port", c.Listen))
	}
	if c.Store == "" && c.Data == "" {
		errs = append(errs, "data: a data directory is required for the embedded store")
	}
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") {
		errs = append(errs, fmt.Sprintf("store: %q is not a postgres:// URL (leave it empty for the embedded store)", redactURL(c.Store)))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, "tls: give both tls_cert and tls_key, or neither")
	}
	if c.MaxContentLength < 1024 || c.MaxContentLength > 1<<30 {
		errs = append(errs, fmt.Sprintf("max_content_length: %d is outside 1024..1073741824", c.MaxContentLength))
	}
	if _, ok := firebreak.ParseTLP(c.DefaultTLP); !ok {
		errs = append(errs, fmt.Sprintf("default_tlp: %q is not clear, green, amber, amber+strict or red", c.DefaultTLP))
	}
	if c.MaxPageSize < 1 || c.MaxPageSize > 100000 {
		errs = append(errs, fmt.Sprintf("max_page_size: %d is outside 1..100000", c.MaxPageSize))
	}
	if c.PageSize < 1 || c.PageSize > c.MaxPageSize {
		errs = append(errs, fmt.Sprintf("page_size: %d is outside 1..max_page_size", c.PageSize))
	}
	if _, err := logLevel(c.LogLevel); err != nil {
		errs = append(errs, err.Error())
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Sprintf("log_format: %q is not json or text", c.LogFormat))
	}
	if c.SightingsK < 1 || c.SightingsK > 1000 {
		errs = append(errs, fmt.Sprintf("sightings_k: %d is outside 1..1000", c.SightingsK))
	}
	switch c.Review {
	case firebreak.ReviewOff, firebreak.ReviewFindings, firebreak.ReviewAll:
	default:
		errs = append(errs, fmt.Sprintf("review: %q is not off, findings or all", c.Review))
	}
	if c.AuditCheckpointInterval < Duration(100*time.Millisecond) || c.AuditCheckpointInterval > Duration(24*time.Hour) {
		errs = append(errs, "audit_checkpoint_interval: must be between 100ms and 24h")
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, "shutdown_timeout: must not be negative")
	}
	if len(errs) > 0 {
		return usageError("invalid configuration:\n  " + strings.Join(errs, "\n  "))
	}
	return nil
}

func logLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log_level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// redactURL hides a password in a store URL before it is printed.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			if colon := strings.Index(s[i+3:at], ":"); colon >= 0 {
				return s[:i+3+colon+1] + "xxxxx" + s[at:]
			}
		}
	}
	return s
}

// limits are the TAXII query limits of this configuration.
func (c Config) limits() taxii.Limits {
	l := taxii.DefaultLimits
	l.DefaultPage, l.MaxPage = c.PageSize, c.MaxPageSize
	return l
}

func (c Config) defaultTLP() firebreak.TLP {
	t, _ := firebreak.ParseTLP(c.DefaultTLP)
	return t
}

// newFlagSet returns a flag set that reports errors instead of exiting, and prints
// nothing.
func newFlagSet() *flag.FlagSet { return newFlags("firebreak", io.Discard) }
