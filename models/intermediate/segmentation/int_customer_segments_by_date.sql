-- Every customer's segment at every as-of date this warehouse has segmented
-- (customer_segment_history), under the latest segment model applied to that date, with its name:
-- the current model's from int_segment_names (seeds/segment_name_overrides.csv applied), an
-- earlier model's from its own state, the reserved segments' from int_segment_names. What a
-- later readout (audience_lift) joins to see who was in which segment back then.
with

segment_history as (
    select * from {{ ref('customer_segment_history') }}
),

segment_states as (
    select * from {{ ref('segment_model_state') }}
),

current_names as (
    select * from {{ ref('int_segment_names') }}
),

current_model as (
    select max(model_sequence) as model_sequence from segment_states
),

model_names as (
    select
        model_sequence,
        segment_id,
        name as segment_name
    from segment_states
    where record = 'segment'
),

latest_model as (
    select
        customer_id,
        as_of_date,
        segment_id,
        model_sequence,
        row_number() over (partition by customer_id, as_of_date order by model_sequence desc) as model_rank
    from segment_history
),

final as (
    select
        cast(latest_model.customer_id as varchar) as customer_id,
        latest_model.as_of_date,
        latest_model.model_sequence,
        latest_model.segment_id,
        case
            when latest_model.model_sequence = current_model.model_sequence then current_names.segment_name
            else coalesce(model_names.segment_name, current_names.segment_name)
        end as segment_name
    from latest_model
    cross join current_model
    left join model_names
        on latest_model.model_sequence = model_names.model_sequence
            and latest_model.segment_id = model_names.segment_id
    left join current_names on latest_model.segment_id = current_names.segment_id
    where latest_model.model_rank = 1
)

select * from final
