package lab.registry;

import io.apicurio.registry.storage.RegistryStorage;
import io.apicurio.registry.types.Current;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.event.Observes;
import javax.inject.Inject;

/**
 * Subjects (artifacts) and schema versions held, at /q/metrics as registry_artifacts and
 * registry_artifact_versions: the registry exports request and storage timings but not what it holds, and
 * an in-memory registry that restarted holds nothing until producers register again.
 */
@ApplicationScoped
public class SubjectMetrics {
    @Inject
    @Current
    RegistryStorage storage;

    @Inject
    MeterRegistry registry;

    void onStart(@Observes StartupEvent ev) {
        Gauge.builder("registry_artifacts", this, m -> m.count(false))
                .description("Artifacts (Confluent API: subjects) in the registry's storage")
                .register(registry);
        Gauge.builder("registry_artifact_versions", this, m -> m.count(true))
                .description("Artifact versions (Confluent API: schema versions) in the registry's storage")
                .register(registry);
    }

    /** NaN when the storage cannot answer (Micrometer drops NaN-free gauges on exception otherwise). */
    double count(boolean versions) {
        try {
            return versions ? storage.countTotalArtifactVersions() : storage.countArtifacts();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
