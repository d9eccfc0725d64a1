-- Every customer's current features with their predicted lifetime value and its rank: the feature
-- model of the value lookalike (var audience__lookalikes, lookalike_top_clv), whose seed is the
-- top of this ranking ("clv_top_share <= 0.1"), as the value-based lookalike literature
-- recommends: seed on the customers worth most, not on those who bought most. Customers without a
-- predicted CLV (no purchase yet) have no rank, so they are never in the seed, and are in the pool.
with

features as (
    select * from {{ ref('fct_customer_features') }}
),

clv as (
    select
        customer_id,
        clv
    from {{ ref('customer_clv') }}
    where clv is not null
),

ranked as (
    select
        customer_id,
        clv,
        -- the share of customers with a CLV at least this high (ties share the higher share)
        cast(count(*) over (
            order by clv desc range between unbounded preceding and current row
        ) as double) / count(*) over () as clv_top_share
    from clv
),

final as (
    select
        -- every feature column (which ones depends on vars such as audience__product_categories)
        features.*,
        ranked.clv as predicted_clv,
        ranked.clv_top_share
    from features
    left join ranked on features.customer_id = ranked.customer_id
)

select * from final  -- noqa: AM04
