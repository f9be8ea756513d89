use super::*;

#[test]
fn registry_keys_drop_scheme_path_case_and_default_ports() {
    assert_eq!(
        normalise("https://Registry.Example.com/v2/"),
        "registry.example.com"
    );
    assert_eq!(
        normalise("registry.example.com:443"),
        "registry.example.com"
    );
    assert_eq!(normalise("localhost:5000"), "localhost:5000");
    assert_eq!(normalise("http://127.0.0.1:80"), "127.0.0.1");
    assert_eq!(
        normalise("registry.example.com:8443"),
        "registry.example.com:8443"
    );
    assert_eq!(
        normalise("registry.example.com:4443"),
        "registry.example.com:4443"
    );
    assert_eq!(normalise("[::1]:443"), "[::1]");
    for hub in [
        "docker.io",
        "https://index.docker.io/v1/",
        "registry-1.docker.io",
        "registry.hub.docker.com",
    ] {
        assert_eq!(normalise(hub), "docker.io");
    }
}
