"""The private network: two private subnets with no way out, gateway endpoints, security groups, flow logs."""

from .helpers import VPC_FUNCTIONS, lambda_functions, of_type, resources, statements


def test_given_vpc_then_two_private_subnets_in_different_zones_and_no_way_to_the_internet():
    subnets = of_type("AWS::EC2::Subnet")
    assert len(subnets) == 2
    zones = sorted(subnet["AvailabilityZone"]["Fn::Select"][0] for subnet in subnets.values())
    assert zones == [0, 1]
    assert all(subnet["MapPublicIpOnLaunch"] is False for subnet in subnets.values())
    kinds = {resource["Type"] for resource in resources().values()}
    assert not kinds & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::Route", "AWS::EC2::EIP"}


def test_given_gateway_endpoints_then_dynamodb_is_reachable_from_the_private_route_table_and_only_the_shop_table():
    endpoints = of_type("AWS::EC2::VPCEndpoint")
    dynamodb = next(e for e in endpoints.values() if e["ServiceName"]["Fn::Sub"].endswith(".dynamodb"))
    assert dynamodb["VpcEndpointType"] == "Gateway"
    assert dynamodb["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]
    assert [s["Resource"] for s in statements(dynamodb["PolicyDocument"])] == [{"Fn::GetAtt": ["ShopTable", "Arn"]}]
    assert all(e["VpcEndpointType"] == "Gateway" for e in endpoints.values()), "interface endpoints cost by the hour"


def test_given_search_domain_security_group_then_it_accepts_only_https_from_the_search_clients():
    group = of_type("AWS::EC2::SecurityGroup")["SearchDomainSecurityGroup"]
    assert group["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Ref": "SearchClientSecurityGroup"},
            "Description": "HTTPS from the search clients",
        }
    ]
    (egress,) = group["SecurityGroupEgress"]
    assert egress["CidrIp"] == "127.0.0.1/32", "the domain initiates nothing"
    assert not of_type("AWS::EC2::SecurityGroupIngress"), "no ingress rule may be added elsewhere"


def test_given_search_client_security_group_then_it_sends_only_https():
    group = of_type("AWS::EC2::SecurityGroup")["SearchClientSecurityGroup"]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in group["SecurityGroupEgress"]] == [("tcp", 443, 443)]
    assert "SecurityGroupIngress" not in group


def test_given_functions_then_exactly_the_search_ones_run_in_the_vpc_with_the_client_group():
    functions = lambda_functions()
    in_vpc = {name for name, function in functions.items() if "VpcConfig" in function}
    assert in_vpc == VPC_FUNCTIONS
    for name in in_vpc:
        config = functions[name]["VpcConfig"]
        assert config["SecurityGroupIds"] == [{"Ref": "SearchClientSecurityGroup"}]
        assert config["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]


def test_given_vpc_then_rejected_traffic_is_logged():
    (flow_log,) = of_type("AWS::EC2::FlowLog").values()
    assert flow_log["ResourceId"] == {"Ref": "Vpc"}
    assert flow_log["LogGroupName"] == {"Ref": "FlowLogGroup"}


def test_given_search_domain_then_only_in_the_vpc_behind_its_security_group():
    domain = of_type("AWS::OpenSearchService::Domain")["SearchDomain"]
    assert domain["VPCOptions"] == {
        "SubnetIds": [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
        "SecurityGroupIds": [{"Ref": "SearchDomainSecurityGroup"}],
    }
