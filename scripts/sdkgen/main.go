// sdkgen writes the Go or Python SDK of the access-keys provider plugin from its Pulumi package
// schema, with the code generators of Pulumi's pkg/v3 v3.248.0: the ones `pulumi package gen-sdk`
// runs through each language's host plugin (pulumi-language-go, pulumi-language-python), which bind
// the schema and call exactly these. scripts/gen-sdks uses it when those hosts are not installed (the
// Go module proxy serves neither; see scripts/ensure-pulumi-cli.md).
//
//	go run . -language go|python -schema FILE -out DIR
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/blang/semver"
)

// noPackages is the loader for a schema that references no other package: every lookup is an error.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q: sdkgen loads no other package", pkg)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q: sdkgen loads no other package", pkg)
}

func (l noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func main() {
	language := flag.String("language", "", "go or python")
	schemaFile := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "", "the directory to write the SDK to (replaced)")
	flag.Parse()
	if err := run(*language, *schemaFile, *out); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(language, schemaFile, out string) error {
	if schemaFile == "" || out == "" {
		return fmt.Errorf("-schema and -out are required")
	}
	text, err := os.ReadFile(schemaFile)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	// Bound as the hosts bind it; the schema references no other package, so nothing is loaded.
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	var files map[string][]byte
	switch language {
	case "go":
		files, err = gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	case "python":
		files, err = pygen.GeneratePackage("pulumi-language-python", pkg, nil, noPackages{})
	default:
		return fmt.Errorf("-language must be go or python, not %q", language)
	}
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
