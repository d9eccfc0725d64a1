-- Lifetime engagement mix per customer as of the as-of date: how many events the customer ever
-- had and what share of them each event type (and the app) makes up. Shares are smoothed toward
-- the population's mix with var audience__event_share_prior_events pseudo-events, so a customer
-- with three events does not get a share of 0 or 1 from chance alone (additive smoothing).
{%- set event_types = audience_setting('audience__event_types') %}
{%- set prior_events = audience_setting('audience__event_share_prior_events') %}
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

customers as (
    select
        customer_id,
        signup_at
    from {{ ref('stg_shop__customers') }}
),

events as (
    select
        events.customer_id,
        events.event_type,
        events.platform
    from {{ ref('stg_shop__events') }} as events
    cross join as_of
    where events.event_at < as_of.as_of_date
),

customer_counts as (
    select
        customer_id,
        count(*) as lifetime_events,
        {%- for event_type in event_types %}
        count(*) filter (where event_type = '{{ event_type }}') as {{ event_type }}_events,
        {%- endfor %}
        count(*) filter (where platform = 'app') as app_events
    from events
    group by customer_id
),

population_mix as (
    -- The prior each customer's shares are pulled toward: the mix over all events.
    select
        {%- for event_type in event_types %}
        coalesce(sum({{ event_type }}_events) / nullif(sum(lifetime_events), 0), 0)
            as {{ event_type }}_prior,
        {%- endfor %}
        coalesce(sum(app_events) / nullif(sum(lifetime_events), 0), 0) as app_prior
    from customer_counts
),

final as (
    select
        customers.customer_id,
        as_of.as_of_date,
        coalesce(customer_counts.lifetime_events, 0) as lifetime_events,
        {%- for event_type in event_types %}
        (coalesce(customer_counts.{{ event_type }}_events, 0) + {{ prior_events }} * population_mix.{{ event_type }}_prior)  -- noqa: LT05
        / nullif(coalesce(customer_counts.lifetime_events, 0) + {{ prior_events }}, 0) as {{ event_type }}_event_share,  -- noqa: LT05
        {%- endfor %}
        (coalesce(customer_counts.app_events, 0) + {{ prior_events }} * population_mix.app_prior)
        / nullif(coalesce(customer_counts.lifetime_events, 0) + {{ prior_events }}, 0) as app_event_share
    from customers
    cross join as_of
    cross join population_mix
    left join customer_counts on customers.customer_id = customer_counts.customer_id
    where customers.signup_at < as_of.as_of_date
)

select * from final
