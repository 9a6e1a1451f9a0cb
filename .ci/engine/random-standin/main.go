// A stand-in for the `random` resource plugin, for the engine-backed tests on machines whose Go
// proxy serves no published pulumi-random provider module (README, "Installing the engine").
// It implements only what this project registers: random:index/randomPassword:RandomPassword,
// with the published provider's semantics that the tests depend on: every input forces a
// replacement, `result` is generated once at create and kept, and the character classes and
// minimum counts are honoured. Wherever the real plugin can be installed, it is used instead.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is the @pulumi/random version the stand-in answers for (set with -ldflags -X).
var version = "0.0.0"

const passwordType = "random:index/randomPassword:RandomPassword"

// Inputs of RandomPassword; a change to any of them replaces the resource, as in the real provider.
var inputKeys = []resource.PropertyKey{
	"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper",
	"number", "numeric", "overrideSpecial", "special", "upper",
}

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

var marshal = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

type standin struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (standin) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (standin) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"random","version":"` + version + `"}`}, nil
}

func (standin) CheckConfig(_ context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: r.GetNews()}, nil
}

func (standin) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (standin) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func checkType(t string) error {
	if resource.URN(t).Type() != passwordType {
		return fmt.Errorf("the random stand-in implements only %s, not %s", passwordType, resource.URN(t).Type())
	}
	return nil
}

func (standin) Check(_ context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(r.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: r.GetNews()}, nil
}

func (standin) Diff(_ context.Context, r *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(r.GetOlds(), marshal)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(r.GetNews(), marshal)
	if err != nil {
		return nil, err
	}
	var replaces []string
	for _, k := range inputKeys {
		o, n := olds[k], news[k]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			replaces = append(replaces, string(k))
		}
	}
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, DeleteBeforeReplace: false}, nil
}

func (standin) Create(_ context.Context, r *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(r.GetUrn()); err != nil {
		return nil, err
	}
	props, err := plugin.UnmarshalProperties(r.GetProperties(), marshal)
	if err != nil {
		return nil, err
	}
	if r.GetPreview() {
		props["result"] = resource.MakeComputed(resource.NewStringProperty(""))
		props["bcryptHash"] = resource.MakeComputed(resource.NewStringProperty(""))
	} else {
		result, err := generate(props)
		if err != nil {
			return nil, err
		}
		props["result"] = resource.NewStringProperty(result)
		// The real provider stores a bcrypt hash; nothing here reads it, so it is left empty.
		props["bcryptHash"] = resource.NewStringProperty("")
	}
	out, err := plugin.MarshalProperties(props, marshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: "none", Properties: out}, nil
}

func (standin) Read(_ context.Context, r *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: r.GetId(), Properties: r.GetProperties(), Inputs: r.GetInputs()}, nil
}

func (standin) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, fmt.Errorf("RandomPassword is never updated in place: every input change replaces it")
}

func (standin) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// flag reads a boolean input that defaults to true, as every character class does.
func flag(p resource.PropertyMap, k resource.PropertyKey) bool {
	v, ok := p[k]
	return !ok || v.IsNull() || !v.IsBool() || v.BoolValue()
}

func count(p resource.PropertyMap, k resource.PropertyKey) int {
	if v, ok := p[k]; ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

func pick(set string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[n.Int64()], nil
}

// generate draws the minimum of each class first, fills the rest from every enabled class, then shuffles.
func generate(p resource.PropertyMap) (string, error) {
	length := count(p, "length")
	special := specialChars
	if v, ok := p["overrideSpecial"]; ok && v.IsString() {
		special = v.StringValue()
	}
	classes := []struct {
		on    bool
		chars string
		min   int
	}{
		{flag(p, "lower"), lowerChars, count(p, "minLower")},
		{flag(p, "upper"), upperChars, count(p, "minUpper")},
		{flag(p, "numeric") && flag(p, "number"), numericChars, count(p, "minNumeric")},
		{flag(p, "special"), special, count(p, "minSpecial")},
	}
	all := ""
	var out []byte
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		all += c.chars
		for i := 0; i < c.min; i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if all == "" || length < 1 || len(out) > length {
		return "", fmt.Errorf("RandomPassword: length %d cannot hold the requested character classes", length)
	}
	for len(out) < length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func main() {
	if err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return standin{}, nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
