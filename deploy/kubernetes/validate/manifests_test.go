// Package validate checks the Kubernetes manifests in deploy/kubernetes: every
// document decodes strictly into the Kubernetes API types (an unknown,
// misspelt or duplicated field is an error, as the API server's strict field
// validation makes it), and the objects fit together the way calfeed needs.
//
// It is a module of its own so that calfeed's module stays free of
// Kubernetes' dependencies. Run it with: cd deploy/kubernetes/validate && go test ./...
package validate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// dir is deploy/kubernetes, where the manifests are.
const dir = ".."

// maxConfigMapBytes is the API server's limit on a ConfigMap's data.
const maxConfigMapBytes = 1 << 20

// shutdownSeconds is how long serve's graceful shutdown may take
// (cmd/calfeed/serve.go).
const shutdownSeconds = 10

// decoder decodes YAML strictly into the registered API types.
func decoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// decodeAll decodes every document of a YAML stream, failing on the first
// that is not a strictly valid object of a known kind.
func decodeAll(t *testing.T, name string, data []byte) []runtime.Object {
	t.Helper()
	dec := decoder(t)
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", name, i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			// A strict decoding error (unknown or duplicate field) comes
			// with a decoded object: it is an error all the same.
			t.Fatalf("%s: document %d (%v): %v", name, i, gvk, err)
		}
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		t.Fatalf("%s: no documents", name)
	}
	return objs
}

// readKustomization decodes kustomization.yaml strictly into kustomize's own type.
func readKustomization(t *testing.T) *types.Kustomization {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	return &k
}

// TestFilesDecodeStrictly decodes each manifest file as it is written, so
// that a mistake is reported against its file, and checks that
// kustomization.yaml lists every one of them and every calendar file.
func TestFilesDecodeStrictly(t *testing.T) {
	k := readKustomization(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifests []string
	for _, f := range files {
		name := filepath.Base(f)
		if name == "kustomization.yaml" {
			continue
		}
		manifests = append(manifests, name)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		decodeAll(t, name, data)
	}
	if len(manifests) == 0 {
		t.Fatal("no manifests in deploy/kubernetes")
	}
	resources := slices.Clone(k.Resources)
	slices.Sort(resources)
	if !slices.Equal(resources, manifests) {
		t.Errorf("kustomization.yaml resources are %v; the folder has %v: list each manifest once", resources, manifests)
	}

	calendars, err := filepath.Glob(filepath.Join(dir, "calendars", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, g := range k.ConfigMapGenerator {
		generated = append(generated, g.FileSources...)
	}
	for _, f := range calendars {
		rel := "calendars/" + filepath.Base(f)
		if !slices.Contains(generated, rel) {
			t.Errorf("%s is not in kustomization.yaml's configMapGenerator files: it would not be served", rel)
		}
	}
}

// rendered is what `kubectl apply -k deploy/kubernetes` applies.
type rendered struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	configMap  *corev1.ConfigMap
	ingress    *networkingv1.Ingress
}

// render runs kustomize (the same library kubectl embeds) over
// deploy/kubernetes and decodes its output strictly.
func render(t *testing.T) rendered {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	var r rendered
	seen := map[string]bool{}
	for _, obj := range decodeAll(t, "kustomize build", out) {
		kind := fmt.Sprintf("%T", obj)
		if seen[kind] {
			t.Fatalf("kustomize build has more than one %s", kind)
		}
		seen[kind] = true
		switch o := obj.(type) {
		case *appsv1.Deployment:
			r.deployment = o
		case *corev1.Service:
			r.service = o
		case *policyv1.PodDisruptionBudget:
			r.pdb = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpa = o
		case *corev1.ConfigMap:
			r.configMap = o
		case *networkingv1.Ingress:
			r.ingress = o
		default:
			t.Fatalf("unexpected %s: add its checks here", kind)
		}
	}
	for name, missing := range map[string]bool{
		"Deployment": r.deployment == nil, "Service": r.service == nil,
		"PodDisruptionBudget": r.pdb == nil, "HorizontalPodAutoscaler": r.hpa == nil,
		"ConfigMap": r.configMap == nil, "Ingress": r.ingress == nil,
	} {
		if missing {
			t.Fatalf("kustomize build has no %s", name)
		}
	}
	return r
}

// container is the Deployment's calfeed container.
func container(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "calfeed" {
		t.Fatalf("the Deployment should have one container, calfeed; it has %d", len(cs))
	}
	return &cs[0]
}

func env(c *corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// httpPort is the container's port named "http".
func httpPort(t *testing.T, c *corev1.Container) corev1.ContainerPort {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == "http" {
			return p
		}
	}
	t.Fatalf("container %s has no port named http", c.Name)
	return corev1.ContainerPort{}
}

// portIs reports whether a probe's or Service's port refers to p.
func portIs(port intstr.IntOrString, p corev1.ContainerPort) bool {
	if port.Type == intstr.String {
		return port.StrVal == p.Name
	}
	return port.IntVal == p.ContainerPort
}

// selects reports whether every label of selector is in labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestDeployment(t *testing.T) {
	r := render(t)
	d := r.deployment
	c := container(t, d)
	pod := d.Spec.Template.Spec

	// The autoscaler owns the count (TestDisruptionBudgetAndAutoscaler): a count
	// in the manifest would be applied again by every kubectl apply, each
	// calendar edit, undoing the autoscaler's pods in a crowd.
	if d.Spec.Replicas != nil {
		t.Errorf("replicas %d: leave the count to the HorizontalPodAutoscaler", *d.Spec.Replicas)
	}
	sel := d.Spec.Selector
	if sel == nil || len(sel.MatchExpressions) > 0 || !selects(sel.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("the selector %v does not select the pod template's labels %v", sel, d.Spec.Template.Labels)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("args %q: calfeed serve", c.Args)
	}
	if name, tag, ok := strings.Cut(c.Image, ":"); !strings.Contains(c.Image, "@sha256:") && (!ok || tag == "latest" || strings.Contains(tag, "/") || name == "calfeed") {
		t.Errorf("image %q: give a registry and a version (every replica must run the same calfeed, or their feeds' bytes may differ)", c.Image)
	}

	// The ConfigMap is mounted, whole, where CALFEED_CONFIG points.
	config, ok := env(c, "CALFEED_CONFIG")
	if !ok {
		t.Fatal("no CALFEED_CONFIG: serve would read the image's /data/events.yaml")
	}
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if m.MountPath == config {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("CALFEED_CONFIG=%s, but nothing is mounted there (mounts: %v)", config, c.VolumeMounts)
	}
	if mount.SubPath != "" || mount.SubPathExpr != "" {
		t.Errorf("the calendars are mounted with a subPath: the kubelet never updates those, so edits would not be reloaded")
	}
	if !mount.ReadOnly {
		t.Errorf("mount %s should be read-only", mount.MountPath)
	}
	var source *corev1.ConfigMapVolumeSource
	for _, v := range pod.Volumes {
		if v.Name == mount.Name {
			source = v.ConfigMap
		}
	}
	if source == nil || source.Name != r.configMap.Name {
		t.Errorf("volume %s is not the ConfigMap %s", mount.Name, r.configMap.Name)
	}
	if source != nil && len(source.Items) > 0 {
		t.Errorf("volume %s lists items: every calendar in the ConfigMap should be in the folder", mount.Name)
	}

	// Serve listens where the probes and the Service look.
	port := httpPort(t, c)
	if p, _ := env(c, "PORT"); p != strconv.Itoa(int(port.ContainerPort)) {
		t.Errorf("PORT=%q, but the http port is %d", p, port.ContainerPort)
	}
	for name, probe := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", name)
			continue
		}
		if probe.HTTPGet.Path != "/healthz" || !portIs(probe.HTTPGet.Port, port) {
			t.Errorf("%s probe GETs %s on port %v; want /healthz on %s (%d)", name, probe.HTTPGet.Path, probe.HTTPGet.Port.String(), port.Name, port.ContainerPort)
		}
	}

	// Non-root, read-only, nothing to escalate to.
	psc, sc := pod.SecurityContext, c.SecurityContext
	if sc == nil {
		t.Fatal("no container securityContext")
	}
	nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
	uid := sc.RunAsUser
	if uid == nil && psc != nil {
		uid = psc.RunAsUser
	}
	if !nonRoot || uid == nil || *uid == 0 {
		t.Errorf("not non-root: runAsNonRoot %v, runAsUser %v", nonRoot, uid)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("the root filesystem is writable: calfeed writes nothing, make it read-only")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Error("capabilities are not all dropped")
	}

	// Requests and limits, consistent with each other and with GOMEMLIMIT.
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[name]
		lim, okLim := c.Resources.Limits[name]
		if !okReq || !okLim {
			t.Errorf("%s: request and limit both needed (the autoscaler measures against the request)", name)
			continue
		}
		if lim.Cmp(req) < 0 {
			t.Errorf("%s limit %s is below its request %s", name, lim.String(), req.String())
		}
	}
	if v, ok := env(c, "GOMEMLIMIT"); ok {
		limit, err := goMemLimit(v)
		memLimit := c.Resources.Limits[corev1.ResourceMemory]
		if err != nil {
			t.Errorf("GOMEMLIMIT=%s: %v", v, err)
		} else if limit >= memLimit.Value() {
			t.Errorf("GOMEMLIMIT=%s is not below the memory limit %s: the kernel would kill the pod before the collector works harder", v, memLimit.String())
		}
	}

	// Time to finish: the preStop pause, then serve's own shutdown.
	var pause int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			t.Error("preStop should be the kubelet's sleep: the image has no shell to run a command")
		} else {
			pause = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.TerminationGracePeriodSeconds != nil {
		grace = *pod.TerminationGracePeriodSeconds
	}
	if grace < pause+shutdownSeconds {
		t.Errorf("terminationGracePeriodSeconds %d < preStop %d s + shutdown %d s: in-flight requests would be cut", grace, pause, shutdownSeconds)
	}
}

// goMemLimit parses a GOMEMLIMIT value (runtime/debug.SetMemoryLimit's units).
func goMemLimit(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.mult, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

func TestServiceAndIngress(t *testing.T) {
	r := render(t)
	c := container(t, r.deployment)
	port := httpPort(t, c)
	if !selects(r.service.Spec.Selector, r.deployment.Spec.Template.Labels) {
		t.Errorf("the Service selects %v, not the pods (%v)", r.service.Spec.Selector, r.deployment.Spec.Template.Labels)
	}
	if len(r.service.Spec.Ports) == 0 {
		t.Fatal("the Service has no ports")
	}
	for _, p := range r.service.Spec.Ports {
		if !portIs(p.TargetPort, port) {
			t.Errorf("Service port %s targets %s, not the container's http port", p.Name, p.TargetPort.String())
		}
	}
	for _, rule := range r.ingress.Spec.Rules {
		if rule.HTTP == nil {
			t.Fatalf("ingress rule %s has no paths", rule.Host)
		}
		for _, p := range rule.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != r.service.Name {
				t.Errorf("ingress path %s does not go to Service %s", p.Path, r.service.Name)
				continue
			}
			found := false
			for _, sp := range r.service.Spec.Ports {
				if (b.Port.Name != "" && b.Port.Name == sp.Name) || (b.Port.Number != 0 && b.Port.Number == sp.Port) {
					found = true
				}
			}
			if !found {
				t.Errorf("ingress path %s goes to port %v, which Service %s does not have", p.Path, b.Port, r.service.Name)
			}
		}
	}
}

func TestDisruptionBudgetAndAutoscaler(t *testing.T) {
	r := render(t)
	d, pdb, hpa := r.deployment, r.pdb, r.hpa
	if pdb.Spec.Selector == nil || !equalLabels(pdb.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) || len(pdb.Spec.Selector.MatchExpressions) > 0 {
		t.Errorf("the PodDisruptionBudget selects %v; the Deployment's pods are %v", pdb.Spec.Selector, d.Spec.Selector.MatchLabels)
	}
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		if pdb.Spec.MaxUnavailable.Type == intstr.Int && pdb.Spec.MaxUnavailable.IntVal < 1 {
			t.Error("maxUnavailable 0 blocks every node drain")
		}
	case pdb.Spec.MinAvailable != nil:
		if pdb.Spec.MinAvailable.Type == intstr.Int && hpa.Spec.MinReplicas != nil && pdb.Spec.MinAvailable.IntVal >= *hpa.Spec.MinReplicas {
			t.Errorf("minAvailable %d is not below minReplicas %d: node drains would block", pdb.Spec.MinAvailable.IntVal, *hpa.Spec.MinReplicas)
		}
	default:
		t.Error("the PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}

	ref := hpa.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("the autoscaler scales %s %s %s, not the Deployment %s", ref.APIVersion, ref.Kind, ref.Name, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Errorf("minReplicas %v: keep at least 2", hpa.Spec.MinReplicas)
	}
	if hpa.Spec.MinReplicas != nil && hpa.Spec.MaxReplicas <= *hpa.Spec.MinReplicas {
		t.Errorf("maxReplicas %d leaves nothing to scale", hpa.Spec.MaxReplicas)
	}
	if len(hpa.Spec.Metrics) == 0 {
		t.Error("the autoscaler has no metrics")
	}
	c := container(t, d)
	for _, m := range hpa.Spec.Metrics {
		if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil {
			continue
		}
		if _, ok := c.Resources.Requests[m.Resource.Name]; !ok && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
			t.Errorf("the autoscaler targets %s utilization, but the container requests no %s", m.Resource.Name, m.Resource.Name)
		}
	}
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCalendars checks the generated ConfigMap: a folder of calendars, each
// valid for `calfeed check`, each with its lock, within the size limit.
func TestCalendars(t *testing.T) {
	cm := render(t).configMap
	size := 0
	var calendars []string
	for key, value := range cm.Data {
		size += len(key) + len(value)
		for _, msg := range validation.IsConfigMapKey(key) {
			t.Errorf("ConfigMap key %q: %s", key, msg)
		}
		if strings.HasSuffix(key, ".yaml") {
			calendars = append(calendars, key)
			if _, ok := cm.Data[key+".lock"]; !ok {
				t.Errorf("%s has no %s.lock: run calfeed stamp and add the lock to the ConfigMap", key, key)
			}
		} else if yamlKey, ok := strings.CutSuffix(key, ".lock"); !ok || cm.Data[yamlKey] == "" {
			t.Errorf("ConfigMap key %q is neither a calendar (*.yaml) nor the lock of one", key)
		}
	}
	for key, value := range cm.BinaryData {
		size += len(key) + len(value)
	}
	if size > maxConfigMapBytes {
		t.Errorf("the ConfigMap holds %d bytes; the API server takes at most %d", size, maxConfigMapBytes)
	}
	if len(calendars) < 2 {
		t.Fatalf("the example folder should hold several calendars; it has %v", calendars)
	}

	// Every calendar, with its lock, as the mounted folder has them.
	folder := t.TempDir()
	for key, value := range cm.Data {
		if err := os.WriteFile(filepath.Join(folder, key), []byte(value), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	calfeed := buildCalfeed(t)
	ids := map[string]string{}
	for _, key := range calendars {
		cmd := exec.Command(calfeed, "check", filepath.Join(folder, key))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("calfeed check %s: %v\n%s", key, err, stderr.String())
		}
		var head struct {
			Calendar struct {
				ID string `json:"id"`
			} `json:"calendar"`
		}
		if err := yaml.Unmarshal([]byte(cm.Data[key]), &head); err != nil || head.Calendar.ID == "" {
			t.Errorf("%s: no calendar.id (%v)", key, err)
			continue
		}
		if other, dup := ids[head.Calendar.ID]; dup {
			t.Errorf("%s and %s are both calendar %q: folder mode serves one calendar per id", other, key, head.Calendar.ID)
		}
		ids[head.Calendar.ID] = key
	}
}

// buildCalfeed builds the calfeed command from the repository.
func buildCalfeed(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "calfeed")
	cmd := exec.Command(goCmd, "build", "-o", bin, "./cmd/calfeed")
	cmd.Dir = filepath.Join(dir, "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/calfeed: %v\n%s", err, out)
	}
	return bin
}

// TestStrictDecoding shows that the decoder refuses what the API server's
// strict validation refuses, so that the tests above mean something.
func TestStrictDecoding(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":   "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selektor: {app: x}\n",
		"wrong case":      "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  Selector: {app: x}\n",
		"duplicate field": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  type: ClusterIP\n  type: NodePort\n",
		"unknown kind":    "apiVersion: v1\nkind: Servise\nmetadata: {name: x}\n",
		"wrong type":      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n",
	} {
		if _, _, err := decoder(t).Decode([]byte(doc), nil, nil); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	ok := "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n"
	if _, _, err := decoder(t).Decode([]byte(ok), nil, nil); err != nil {
		t.Errorf("a valid Service: %v", err)
	}
}
