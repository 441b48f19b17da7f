-- scaffold proposes SDL for the v_/tv_ relations it finds; the proposal loads as it is.
\pset format unaligned
\pset tuples_only on
select fraiseql.scaffold();
begin;
select fraiseql.load_schema(fraiseql.scaffold(), 'scaffolded') > 0 as proposal_loads;
set local fraiseql.schema = 'scaffolded';
select fraiseql.execute('{ posts(limit: 1) { title author { name } comments { body } } items(limit: 1) { name } }')->'data';
rollback;
