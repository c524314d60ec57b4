package lab.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.ArrayList;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * The list of dynamic (runtime-editable) config properties. The registry's own build generates it with
 * apicurio-common-app-components-config-index, which needs that build; the lab runs without dynamic
 * properties, so an empty list stands in.
 */
@ApplicationScoped
public class DynamicConfig {
    @Produces
    @ApplicationScoped
    DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(new ArrayList<>());
    }
}
