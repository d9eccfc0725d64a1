-- A snapshot row at a cutoff may only describe the past: no customer who signed up on or after
-- the cutoff, no last purchase on or after it, and recency of at least one day.
select
    customer_id,
    cutoff_date
from {{ ref('fct_customer_snapshots') }}
where
    tenure_days < 0
    or recency_days < 1
    or days_since_last_event < 1
    or days_since_last_login < 1
