//! Corpus browsing: the index name, search filters, outlets, the copy graph.

use crate::util::*;

#[tokio::test]
async fn stats_name_the_index() {
    let f = fixture();
    let stats = send(&f.state, get("/v1/stats")).await.json();
    let name = stats["index_name"].as_str().expect("index_name");
    assert!(!name.is_empty() && !name.contains('/'), "{name}");
}

#[tokio::test]
async fn search_filters_by_outlet_and_date_range_and_pages() {
    let f = fixture();
    let by_outlet = send(&f.state, get("/v1/search?outlet=reuters")).await.json();
    assert_eq!(by_outlet["total"], 1);
    assert_eq!(by_outlet["results"][0]["id"], "wire-1");
    // Inclusive dates: `to` covers its whole day; undated documents are left out.
    let range = send(&f.state, get("/v1/search?from=2016-02-01&to=2016-02-01")).await.json();
    assert_eq!(range["total"], 1);
    assert_eq!(range["results"][0]["id"], "storm-1");
    let both = send(&f.state, get("/v1/search?from=2016-01-01")).await.json();
    assert_eq!(both["total"], 2);
    let page = send(&f.state, get("/v1/search?from=2016-01-01&limit=1&offset=1")).await.json();
    assert_eq!((page["total"].as_u64(), page["offset"].as_u64()), (Some(2), Some(1)));
    assert_eq!(page["results"][0]["id"], "storm-1", "newest first: the second is the storm");
    let answer = send(&f.state, get("/v1/search?from=soon")).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("from"));
}

#[tokio::test]
async fn outlets_list_counts_and_dates() {
    let f = fixture();
    let answer = send(&f.state, get("/v1/outlets")).await.json();
    assert_eq!(answer["n_outlets"], 2);
    assert_eq!(answer["has_copy_graph"], false);
    let names: Vec<&str> = answer["outlets"]
        .as_array()
        .expect("outlets")
        .iter()
        .filter_map(|o| o["outlet"].as_str())
        .collect();
    assert_eq!(names, ["AP", "Reuters"], "ties by name");
    assert_eq!(answer["outlets"][1]["date_min"], "2016-03-01");
}

#[tokio::test]
async fn copy_graph_of_an_outlet_from_a_cluster_run() {
    let f = fixture();
    let answer = send(&f.state, get("/v1/copy-graph?outlet=AP")).await;
    assert_eq!(answer.error(409).0, "no_copy_graph");

    let run = tempfile::tempdir().expect("tempdir");
    assert!(unspun_server::CopyGraph::load(run.path()).is_err(), "no reuse.done: not a run");
    write_cluster_run(run.path());
    let graph = unspun_server::CopyGraph::load(run.path()).expect("graph");
    let mut config = f.state.config().clone();
    config.copy_graph = Some(Arc::new(graph));
    let state = AppState::open(config).expect("state");
    let reuters = send(&state, get("/v1/copy-graph?outlet=Reuters")).await.json();
    assert_eq!(reuters["takes_from"][0]["outlet"], "AP");
    assert_eq!(reuters["takes_from"][0]["n_chars"], 900);
    assert_eq!(reuters["takes_from"][0]["median_lag_days"], 2.0);
    assert_eq!(reuters["n_taken_by"], 0);
    assert_eq!(reuters["publisher"]["reused_text_share"], 0.5);
    let ap = send(&state, get("/v1/copy-graph?outlet=AP")).await.json();
    assert_eq!(ap["taken_by"][0]["outlet"], "Reuters");
    let answer = send(&state, get("/v1/copy-graph?outlet=CNN")).await;
    assert_eq!(answer.error(404).1.as_deref(), Some("outlet"));
    let answer = send(&state, get("/v1/copy-graph")).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("outlet"));
    let outlets = send(&state, get("/v1/outlets")).await.json();
    assert_eq!(outlets["has_copy_graph"], true);
    assert_eq!(outlets["outlets"][0]["in_copy_graph"], true);
}
