#include "enrich/attribution.hpp"

namespace tl {

namespace {

BoundedLookupOptions name_lookups(std::chrono::microseconds wait)
{
    BoundedLookupOptions o;
    o.wait = wait;
    return o;
}

BoundedLookupOptions holder_lookups(std::chrono::microseconds wait)
{
    BoundedLookupOptions o = PortHolderHint::default_options();
    o.wait = wait;
    return o;
}

} // namespace

AttributionEnricher::AttributionEnricher(const AttributionOptions &options)
    : processes_(options.process_cache_capacity, options.ancestor_depth, {},
                 name_lookups(options.lookup_wait)),
      containers_(options.container_cache_capacity),
      holder_hint_(containers_, {}, holder_lookups(options.lookup_wait))
{
}

void AttributionEnricher::enrich(Event &event)
{
    const TaskModel &task = event.model.task;
    if (!event.process)
        event.process = processes_.details_for(task);
    if (!event.container)
        event.container = containers_.details_for(task);
    for (auto &holder : event.extra_holders)
        if (!holder.process)
            holder.process = processes_.details_for(holder.task);
    holder_hint_.annotate(event);
}

void AttributionEnricher::reload() { processes_.clear_names(); }

std::unique_ptr<Enricher> make_attribution_enricher(const AttributionOptions &options)
{
    return std::make_unique<AttributionEnricher>(options);
}

} // namespace tl
